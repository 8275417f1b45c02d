// The child process of the SIGKILL fault test (faults.test.ts): writes to the store as fast as it can along every
// write path (positions, tickets and their transitions, fills and holdings, keys), in a seeded random order, and
// acknowledges each write on stdout only after the store call resolved (so after its commit was fsynced). The
// parent kills it with SIGKILL at a seeded random moment, then checks the store and every acknowledged write.
// It runs the built store (dist/, as `npm test` builds before it tests), like crash.test.ts runs the built server.
import { writeSync } from 'node:fs';
import process from 'node:process';
import { openStore } from '../../dist/src/service/store/index.js';

const [dbPath, seedText] = process.argv.slice(2);
let seed = Number(seedText) >>> 0;
/** mulberry32: a small seeded PRNG, so a failing round can be replayed from its seed. */
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const ack = (record) => writeSync(1, `${JSON.stringify(record)}\n`);

const store = await openStore(dbPath);
const spec = (n) => ({ kind: 'lp', venue: 'deribit', underlying: 'BTC', model: 'v2', price: 75_000, depositValue: n });
const perpTerms = { contractSize: null, contractValueQuote: 10, priceCurrency: 'USD' };
const legs = [
  {
    venue: 'deribit',
    underlying: 'BTC',
    instrument: 'BTC-PERPETUAL',
    kind: 'perp',
    side: 'sell',
    contracts: 30,
    limitPrice: 75_000,
    feesQuote: 0.6,
    ...perpTerms,
  },
  {
    venue: 'deribit',
    underlying: 'BTC',
    instrument: 'BTC-29MAY26-75000-P',
    kind: 'option',
    side: 'buy',
    contracts: 2,
    limitPrice: 0.01,
    feesQuote: 0.1,
    contractSize: 1,
    contractValueQuote: null,
    priceCurrency: 'BTC',
  },
];

const live = async () => (await store.listPositions()).map((p) => p.id);
const tickets = (status) => store.listTickets({ status, limit: 20 });
const openHoldings = async () => (await store.listHoldings()).filter((h) => h.netContracts !== 0);
const activeKeys = async () =>
  (await store.listApiKeys()).filter((k) => k.revokedAtMs === null && k.rotatedTo === null);

const ops = {
  async positionCreate() {
    const p = await store.createPosition(spec(10_000 + Math.floor(random() * 1e6)), 'fault:writer');
    ack({ op: 'position.create', id: p.id });
  },
  async positionUpdate() {
    const id = pick(await live());
    if (!id) return;
    const p = await store.updatePosition(id, spec(20_000), 'fault:writer');
    ack({ op: 'position.update', id, version: p.version });
  },
  async positionDelete() {
    const ids = await live();
    if (ids.length < 3) return;
    const id = pick(ids);
    await store.deletePosition(id, 'fault:writer');
    ack({ op: 'position.delete', id });
  },
  async ticketCreate() {
    const positionIds = (await live()).slice(0, 2);
    const withLegs = random() < 0.8;
    const t = await store.createTicket({
      mode: 'dynamic',
      positionIds,
      content: { n: random(), positionIds },
      actor: 'key:proposer',
      ttlMs: random() < 0.2 ? 0 : 900_000,
      ...(withLegs ? { legs } : {}),
    });
    ack({ op: 'ticket.create', id: t.id, sha: t.contentSha256 });
  },
  async ticketApprove() {
    const t = pick((await tickets('proposed')).filter((x) => x.expiresAtMs === null || x.expiresAtMs > Date.now()));
    if (!t) return;
    await store.approveTicket(t.id, 'key:approver', { fourEyes: true, detail: { repriced: true } });
    ack({ op: 'ticket.transition', id: t.id, to: 'approved' });
  },
  async ticketReject() {
    const t = pick((await tickets('proposed')).filter((x) => x.expiresAtMs === null || x.expiresAtMs > Date.now()));
    if (!t) return;
    await store.transitionTicket(t.id, 'rejected', 'key:approver', 'fault test');
    ack({ op: 'ticket.transition', id: t.id, to: 'rejected' });
  },
  async ticketExpire() {
    for (const id of await store.expireTickets()) ack({ op: 'ticket.transition', id, to: 'expired' });
  },
  async ticketFill() {
    const t = pick(
      [...(await tickets('approved')), ...(await tickets('partially-executed'))].filter(
        (x) => (x.legs ?? []).length > 0,
      ),
    );
    if (!t) return;
    const leg = pick(t.legs.filter((l) => l.remainingContracts > 0));
    const asTicketed = !leg || random() < 0.3;
    const reports = asTicketed
      ? null
      : [
          {
            instrument: leg.instrument,
            contracts: (leg.side === 'buy' ? 1 : -1) * Math.min(leg.remainingContracts, leg.kind === 'perp' ? 10 : 0.5),
            price: leg.limitPrice,
          },
        ];
    const done = await store.recordTicketFills(t.id, reports, 'key:approver');
    const known = new Set(t.fills.map((f) => f.id));
    ack({
      op: 'ticket.fills',
      id: t.id,
      to: done.status,
      fillIds: done.fills.filter((f) => !known.has(f.id)).map((f) => f.id),
    });
  },
  async holdingEnter() {
    const before = new Set((await store.listFills()).map((f) => f.id));
    const h = await store.addManualHolding(
      {
        venue: 'deribit',
        underlying: 'BTC',
        instrument: 'BTC-PERPETUAL',
        kind: 'perp',
        contracts: pick([10, -10, 20]),
        price: 75_000 + Math.floor(random() * 500),
        scope: random() < 0.5 ? [] : (await live()).slice(0, 1),
        ...perpTerms,
      },
      'key:trader',
    );
    ack({ op: 'holding.fill', holdingId: h.id, fillIds: h.fills.filter((f) => !before.has(f.id)).map((f) => f.id) });
  },
  async holdingClose() {
    const h = pick(await openHoldings());
    if (!h) return;
    const known = new Set(h.fills.map((f) => f.id));
    const closed = await store.closeHolding(h.id, { price: 75_200 }, 'key:trader');
    ack({
      op: 'holding.fill',
      holdingId: h.id,
      fillIds: closed.fills.filter((f) => !known.has(f.id)).map((f) => f.id),
      flat: true,
    });
  },
  async keyCreate() {
    const { record } = await store.createApiKey(
      pick(['viewer', 'trader', 'admin']),
      'fault:writer',
      'fault',
      random() < 0.5 ? { ttlMs: 3_600_000 } : {},
    );
    ack({ op: 'key.create', id: record.id });
  },
  async keyRotate() {
    const k = pick(await activeKeys());
    if (!k) return;
    const rotated = await store.rotateApiKey(k.id, 'fault:writer', { graceMs: random() < 0.5 ? 0 : 60_000 });
    ack({ op: 'key.rotate', id: k.id, to: rotated.record.id });
  },
  async keyRevoke() {
    const k = pick(await activeKeys());
    if (!k) return;
    await store.revokeApiKey(k.id, 'fault:writer');
    ack({ op: 'key.revoke', id: k.id });
  },
};
const names = Object.keys(ops);
// Every path gets a turn before the kill can come (the first round is short otherwise): the paths in order, then at random.
await ops.positionCreate();
await ops.positionCreate();
for (const name of names) await ops[name]();
ack({ op: 'ready' });
for (;;) await ops[pick(names)]();
