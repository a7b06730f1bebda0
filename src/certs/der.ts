// Just enough DER to take a signed structure apart: the PEM body, and the exact bytes of the
// first element of the outer SEQUENCE (the signed part of a CSR, certificate or CRL).
export function pemBody(pem: string, labels: readonly string[]): Buffer | undefined {
  for (const label of labels) {
    const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`);
    const body = re.exec(pem)?.[1];
    if (body !== undefined) return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  }
  return undefined;
}

/** Header length and content length of the TLV at `offset`; undefined when malformed or truncated. */
function readHeader(der: Buffer, offset: number): { header: number; length: number } | undefined {
  if (offset + 2 > der.length || (der[offset]! & 0x1f) === 0x1f) return undefined;
  const first = der[offset + 1]!;
  if (first < 0x80) return { header: 2, length: first };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || offset + 2 + n > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < n; i += 1) length = length * 256 + der[offset + 2 + i]!;
  return { header: 2 + n, length };
}

export function firstChildDer(der: Buffer): Buffer | undefined {
  const outer = readHeader(der, 0);
  if (outer === undefined || der[0] !== 0x30 || outer.header + outer.length !== der.length) return undefined;
  const child = readHeader(der, outer.header);
  if (child === undefined || der[outer.header] !== 0x30) return undefined;
  const end = outer.header + child.header + child.length;
  return end <= der.length ? der.subarray(outer.header, end) : undefined;
}
