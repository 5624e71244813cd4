import { Base, TaskEvent, Update, type RegistryMessage } from './registry.js';

type Registry = { prefix: string; messages: Record<string, RegistryMessage> };

/** A Message object (Message.v1_3_0) as it appears in @Message.ExtendedInfo and Task.Messages. */
export interface RedfishMessage {
  MessageId: string;
  Message: string;
  MessageArgs: string[];
  MessageSeverity: RegistryMessage['severity'];
  Resolution: string;
  RelatedProperties?: string[];
  Oem?: Record<string, Record<string, unknown>>;
}

function fill<R extends Registry>(reg: R, id: keyof R['messages'] & string, args: Array<string | number>, related?: string[]): RedfishMessage {
  const m = reg.messages[id];
  const a = args.map(String);
  if (a.length !== m.args) throw new Error(`${reg.prefix}.${id} takes ${m.args} arguments, got ${a.length}`);
  const msg: RedfishMessage = {
    MessageId: `${reg.prefix}.${id}`,
    Message: m.message.replace(/%(\d+)/g, (_s, n: string) => a[Number(n) - 1] ?? ''),
    MessageArgs: a,
    MessageSeverity: m.severity,
    Resolution: m.resolution,
  };
  if (related?.length) msg.RelatedProperties = related;
  return msg;
}

export const baseMessage = (id: keyof typeof Base.messages, args: Array<string | number> = [], related?: string[]) => fill(Base, id, args, related);
export const taskMessage = (id: keyof typeof TaskEvent.messages, args: Array<string | number> = []) => fill(TaskEvent, id, args);
export const updateMessage = (id: keyof typeof Update.messages, args: Array<string | number> = []) => fill(Update, id, args);
