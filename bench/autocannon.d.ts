declare module 'autocannon' {
  interface Result { requests: { average: number; total: number }; latency: { p50: number; p99: number; average: number }; errors: number; non2xx: number; timeouts: number }
  function autocannon(o: { url: string; connections: number; duration: number; method?: string; headers?: Record<string, string>; body?: string }): Promise<Result>;
  export default autocannon;
}
