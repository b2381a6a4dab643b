import { UsageError } from './errors';

export interface OffsetSpec {
  topic: string;
  partition: number;
  offset: string;
}

/** `wmo:0=120,wmo:1=98` (topics with or without KAFKA_TOPIC_PREFIX); `flag` names the option in errors. */
export function parseOffsetSpec(text: string, flag = '--to-offset'): OffsetSpec[] {
  const specs: OffsetSpec[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^(.+):(\d+)=(\d+)$/.exec(part);
    if (!m) throw new UsageError(`${flag}: "${part}" is not topic:partition=offset`);
    specs.push({ topic: m[1] as string, partition: Number(m[2]), offset: BigInt(m[3] as string).toString() });
  }
  if (specs.length === 0) throw new UsageError(`${flag}: name at least one topic:partition=offset`);
  return specs;
}

/** The topic as named when it is one of `topics`, otherwise with KAFKA_TOPIC_PREFIX in front. */
export function withPrefix(topic: string, prefix: string, topics: readonly string[]): string {
  return topics.includes(topic) ? topic : `${prefix}${topic}`;
}
