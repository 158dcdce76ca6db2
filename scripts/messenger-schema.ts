// Writes docs/messenger.schema.json from the zod schema the server validates with, so the
// documented wire format is the enforced one. test/unit/messenger-signature.test.ts fails
// when the file is out of date.
import { writeFileSync } from 'node:fs';
import { messengerJsonSchema } from '../server/channels/messenger/wire';

writeFileSync(new URL('../docs/messenger.schema.json', import.meta.url), `${JSON.stringify(messengerJsonSchema(), null, 2)}\n`);
