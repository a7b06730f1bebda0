// ssh2's generateKeyPairSync('ed25519') yields a key ssh2 itself cannot parse about 3 times in 1000
// ("Malformed OpenSSH private key"); the fakes of these tests only use keys that parse.
import { utils } from 'ssh2';

function parsable(): { private: string; public: string } {
  for (;;) {
    const k = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.private) instanceof Error)) return k;
  }
}

export const parsableHostKey = (): string => parsable().private;
export function parsableUserKey(): { privateKey: string; publicKey: string } {
  const k = parsable();
  return { privateKey: k.private, publicKey: k.public };
}
