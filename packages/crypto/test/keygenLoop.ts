// Run by keygen-deadlock.test.ts in a process of its own: ROUNDS rounds of what MLS does with fresh keys (an HPKE
// key pair made, exported and used to seal and open; a signature key pair made, used and checked), printing `done`
// at the end. A deadlock shows as a process that never gets there.
import { nodeCryptoProvider } from '../src/node.ts';
import { SUITE_NAME } from '../src/suite.ts';

const rounds = Number(process.argv[2]);
const impl = await nodeCryptoProvider.getCiphersuiteImpl({ name: SUITE_NAME } as never);
const message = new Uint8Array(64).fill(7);
for (let i = 0; i < rounds; i++) {
  const pair = await impl.hpke.generateKeyPair();
  await impl.hpke.exportPublicKey(pair.publicKey);
  await impl.hpke.exportPrivateKey(pair.privateKey);
  const sealed = await impl.hpke.seal(pair.publicKey, message, message);
  await impl.hpke.open(pair.privateKey, sealed.enc, sealed.ct, message);
  const signer = await impl.signature.keygen();
  const signature = await impl.signature.sign(signer.signKey, message);
  if (!(await impl.signature.verify(signer.publicKey, message, signature))) throw new Error('bad signature');
}
console.log('done');
