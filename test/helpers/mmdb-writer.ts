/**
 * Writes a tiny MaxMind DB (format 2.0, IPv4, 24-bit records) mapping IPv4 networks to records,
 * so the GeoIP lookup is tested against a real .mmdb read by the real reader (no data set ships
 * with the tests). Supports the value types a City record uses: maps, UTF-8 strings, uint16/32.
 */
type Value = string | number | { [k: string]: Value } | Value[];

function control(type: number, size: number): Buffer {
  const ext = type > 7;
  const first = ((ext ? 0 : type) << 5) | (size < 29 ? size : size < 29 + 256 ? 29 : 30);
  const parts = [first];
  if (ext) parts.push(type - 7);
  if (size >= 29 && size < 29 + 256) parts.push(size - 29);
  else if (size >= 29 + 256) {
    const n = size - 285;
    parts.push((n >> 8) & 0xff, n & 0xff);
  }
  return Buffer.from(parts);
}

function encode(value: Value): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, bytes.length), bytes]);
  }
  if (typeof value === 'number') {
    const bytes: number[] = [];
    for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    return Buffer.concat([control(value <= 0xffff ? 5 : 6, bytes.length), Buffer.from(bytes)]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)]);
  const entries = Object.entries(value);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

export function writeMmdb(networks: { cidr: string; record: Value }[]): Buffer {
  // binary trie over the networks' prefix bits
  interface Node { children: [Node | number | null, Node | number | null]; index: number }
  const data: Buffer[] = [];
  const dataOffsets: number[] = [];
  let dataLength = 0;
  for (const n of networks) {
    dataOffsets.push(dataLength);
    const buf = encode(n.record);
    data.push(buf);
    dataLength += buf.length;
  }
  const root: Node = { children: [null, null], index: 0 };
  networks.forEach((n, i) => {
    const [ip, bitsText] = n.cidr.split('/');
    const bits = Number(bitsText);
    const value = ip!.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    let node = root;
    for (let depth = 0; depth < bits; depth++) {
      const bit = Math.floor(value / 2 ** (31 - depth)) % 2;
      if (depth === bits - 1) node.children[bit] = -(i + 1); // data marker
      else {
        const next = node.children[bit];
        if (next === null || typeof next === 'number') node.children[bit] = { children: [null, null], index: 0 };
        node = node.children[bit] as Node;
      }
    }
  });
  const nodes: Node[] = [];
  const visit = (n: Node) => {
    n.index = nodes.length;
    nodes.push(n);
    for (const c of n.children) if (c && typeof c === 'object') visit(c);
  };
  visit(root);
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((n, i) => {
    n.children.forEach((c, side) => {
      const record = c === null ? nodeCount : typeof c === 'object' ? c.index : nodeCount + 16 + dataOffsets[-c - 1]!;
      tree.writeUIntBE(record, i * 6 + side * 3, 3);
    });
  });
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000,
    database_type: 'GeoLite2-City-Test',
    description: { en: 'Gatehouse test database' },
    ip_version: 4,
    languages: ['en'],
    node_count: nodeCount,
    record_size: 24,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), metadata]);
}
