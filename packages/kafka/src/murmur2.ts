/**
 * Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`) in 32-bit integer arithmetic.
 * The partition of a keyed record is `toPositive(murmur2(keyBytes)) % partitions`, as in the Java
 * client's default partitioner and kafkajs' `DefaultPartitioner`: a Kafka-native system producing
 * with any Java-compatible client puts a chain case in the same partition as the gateway does.
 * Math.imul keeps it exact and cheap (the BigInt port in @platformatic/kafka costs more per record).
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    // The Java original's switch falls through: 3 takes bytes 2, 1 and 0; 2 takes 1 and 0.
    if (rest === 3) h ^= data[whole + 2]! << 16;
    if (rest >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The Java client's partition for a key: `(murmur2(key) & 0x7fffffff) % partitions`. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
