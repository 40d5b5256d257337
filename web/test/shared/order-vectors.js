// tests/vectors/order_rules.json through the JS API (PaymentOrder): the same cases and checks as
// core/tests/order_vectors.rs.
import { equal, ok } from './check.js';

export function orderCases(poscore, vectors) {
  const { PaymentOrder, OrderError } = poscore;
  ok(Array.isArray(vectors.vectors) && vectors.vectors.length >= 14, 'order_rules.json has its vectors');
  const cases = vectors.vectors.map((v) => ({
    name: `order.${v.name}`,
    run: () => {
      const o = new PaymentOrder(v.wallet, 0);
      v.steps.forEach((s, i) => {
        const at = `${v.name}: step ${i}`;
        if (s.send !== undefined) {
          // Due exactly at t: nextTimeout() names the time, and poll() before it sends nothing.
          equal(o.nextTimeout(), s.t, `${at}: due at`);
          if (s.t > 0) equal(o.poll(s.t - 1), null, `${at}: not due 1 ms early`);
          equal(o.poll(s.t), s.send, `${at}: sent`);
        } else if (s.reply !== undefined) {
          o.handle(s.reply, s.t);
        } else if (s.abandon) {
          o.abandon(s.t);
        } else if (s.retry_cancel) {
          o.retryCancel(s.t);
        } else {
          throw new Error(`${at}: unknown step`);
        }
      });
      equal(o.state, v.state, `${v.name}: state`);
    },
  }));
  cases.push({
    name: 'order.errors',
    run: () => {
      const codeOf = (fn) => {
        try {
          fn();
        } catch (e) {
          ok(e instanceof OrderError, `OrderError, got ${e}`);
          return e.code;
        }
        throw new Error('no error');
      };
      equal(codeOf(() => new PaymentOrder('paypal', 0)), 'order.unknown_wallet', 'unknown wallet');
      const o = new PaymentOrder('wechat', 0);
      equal(codeOf(() => o.handle('paid', 0)), 'order.unexpected_answer', 'answer before the pay');
      equal(o.poll(0), 'pay', 'pay due at once');
      equal(o.nextTimeout(), null, 'nothing due while awaiting');
      let threw = false;
      try {
        o.handle('paid_maybe', 1);
      } catch (e) {
        threw = e instanceof TypeError;
      }
      ok(threw, 'an answer that is not one is a TypeError');
    },
  });
  return cases;
}
