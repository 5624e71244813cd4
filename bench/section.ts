export interface Row { name: string; median: number; unit: string; target: string; extra?: string }

/** What one area of the benchmark reports: rows, rows it skipped (why), problems (exit 1). */
export interface Section { rows: Row[]; notes: string[]; skipped: string[] }
