// Every shared vector suite the JS surfaces run. `load(path)` reads a file under tests/vectors/
// (fs under Node, fetch in the browser); each suite returns named cases to run.
import { cardCases } from './card-vectors.js';
import { responseCases } from './response-vectors.js';
import { receiptCases } from './receipt-vectors.js';
import { iso8583Cases, tlvCases } from './iso8583-vectors.js';

const json = async (load, file) => JSON.parse(await load(file));

export const suites = {
  card: async (poscore, load) => cardCases(poscore, await json(load, 'card.json')),
  response: async (poscore, load) => responseCases(poscore, await json(load, 'response.json')),
  receipt: receiptCases,
  iso8583: async (poscore, load) => iso8583Cases(poscore, await json(load, 'iso8583.json')),
  tlv: async (poscore, load) => tlvCases(poscore, await json(load, 'tlv.json')),
};

export async function allCases(poscore, load) {
  const out = [];
  for (const build of Object.values(suites)) out.push(...(await build(poscore, load)));
  return out;
}
