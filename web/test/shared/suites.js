// Every shared vector suite the JS surfaces run. `load(path)` reads a file under tests/vectors/
// (fs under Node, fetch in the browser); each suite returns named cases to run.
import { cardCases } from './card-vectors.js';
import { responseCases } from './response-vectors.js';
import { receiptCases } from './receipt-vectors.js';
import { iso8583Cases, tlvCases } from './iso8583-vectors.js';
import { pinCases, macCases, kcvCases, dukptCases, tr31Cases, cryptoApiCases } from './crypto-vectors.js';
import { tmsCases } from './tms-vectors.js';
import { emvCases } from './emv-vectors.js';
import { orderCases } from './order-vectors.js';

const json = async (load, file) => JSON.parse(await load(file));

export const suites = {
  card: async (poscore, load) => cardCases(poscore, await json(load, 'card.json')),
  response: async (poscore, load) => responseCases(poscore, await json(load, 'response.json')),
  receipt: receiptCases,
  iso8583: async (poscore, load) => iso8583Cases(poscore, await json(load, 'iso8583.json')),
  tlv: async (poscore, load) => tlvCases(poscore, await json(load, 'tlv.json')),
  pin: async (poscore, load) => pinCases(poscore, await json(load, 'pin.json')),
  mac: async (poscore, load) => macCases(poscore, await json(load, 'mac.json')),
  kcv: async (poscore, load) => kcvCases(poscore, await json(load, 'kcv.json')),
  dukpt: async (poscore, load) => dukptCases(poscore, await json(load, 'dukpt.json')),
  tr31: async (poscore, load) => tr31Cases(poscore, await json(load, 'tr31.json')),
  crypto: async (poscore) => cryptoApiCases(poscore),
  tms: async (poscore, load) => tmsCases(poscore, await json(load, 'tms.json')),
  emv: async (poscore, load) => emvCases(poscore, await json(load, 'emv.json')),
  order: async (poscore, load) => orderCases(poscore, await json(load, 'order_rules.json')),
};

export async function allCases(poscore, load) {
  const out = [];
  for (const build of Object.values(suites)) out.push(...(await build(poscore, load)));
  return out;
}
