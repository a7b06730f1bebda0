// IPv4 helpers of the fake IOS-XE router (CLI and RESTCONF validate values the way IOS does).

export const isIpv4 = (s: string): boolean => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split('.').every((o) => Number(o) <= 255);
export const isMask = (s: string): boolean => isIpv4(s) && /^1*0*$/.test(s.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join(''));

export function maskLength(mask: string): number {
  return mask.split('.').map(Number).reduce((n, o) => n + (o >>> 0).toString(2).split('').filter((b) => b === '1').length, 0);
}

export function network(address: string, mask: string): string {
  const a = address.split('.').map(Number);
  const m = mask.split('.').map(Number);
  return a.map((o, i) => o & (m[i] ?? 0)).join('.');
}

/** A port number as IOS takes it (1-65535). */
export const isPort = (s: string | number | undefined): boolean => s !== undefined && /^\d{1,5}$/.test(String(s)) && Number(s) >= 1 && Number(s) <= 65535;
