import type { RedfishMessage } from './messages.js';
import { taskMessage } from './messages.js';

export type TaskState = 'New' | 'Running' | 'Completed' | 'Exception' | 'Cancelled' | 'Cancelling';

export interface Task {
  id: string;
  name: string;
  state: TaskState;
  status: 'OK' | 'Warning' | 'Critical';
  percent: number;
  start: string;
  end?: string;
  messages: RedfishMessage[];
  /** Aborts the operation behind the task (DELETE on its monitor). */
  cancel?: () => void;
}

const FINAL: TaskState[] = ['Completed', 'Exception', 'Cancelled'];

/** Long operations (SimpleUpdate) as Redfish Tasks, in memory; the newest `keep` are kept. */
export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private next = 1;

  constructor(private readonly keep = 32) {}

  create(name: string, cancel?: () => void): Task {
    const t: Task = { id: String(this.next++), name, state: 'Running', status: 'OK', percent: 0, start: new Date().toISOString(), messages: [], cancel };
    t.messages.push(taskMessage('TaskStarted', [t.id]));
    this.tasks.set(t.id, t);
    for (const id of this.tasks.keys()) {
      if (this.tasks.size <= this.keep) break;
      if (FINAL.includes(this.tasks.get(id)!.state)) this.tasks.delete(id);
    }
    return t;
  }

  get(id: string): Task | undefined { return this.tasks.get(id); }
  list(): Task[] { return [...this.tasks.values()]; }
  running(): Task[] { return this.list().filter((t) => !FINAL.includes(t.state)); }
  isFinal(t: Task): boolean { return FINAL.includes(t.state); }

  /** Progress in whole percent; a TaskProgressChanged message each time it moves on by 10 or more. */
  progress(t: Task, percent: number, message?: RedfishMessage): void {
    if (this.isFinal(t)) return;
    const p = Math.max(t.percent, Math.min(100, Math.floor(percent)));
    if (Math.floor(p / 10) > Math.floor(t.percent / 10)) t.messages.push(taskMessage('TaskProgressChanged', [t.id, p]));
    t.percent = p;
    if (message && !t.messages.some((m) => m.MessageId === message.MessageId && m.Message === message.Message)) t.messages.push(message);
  }

  finish(t: Task, state: 'Completed' | 'Exception' | 'Cancelled', messages: RedfishMessage[] = []): void {
    if (this.isFinal(t)) return;
    t.state = state;
    t.end = new Date().toISOString();
    t.messages.push(...messages);
    if (state === 'Completed') { t.percent = 100; t.messages.push(taskMessage('TaskCompletedOK', [t.id])); }
    if (state === 'Exception') { t.status = 'Critical'; t.messages.push(taskMessage('TaskAborted', [t.id])); }
    if (state === 'Cancelled') { t.status = 'Warning'; t.messages.push(taskMessage('TaskCancelled', [t.id])); }
    t.cancel = undefined;
  }
}
