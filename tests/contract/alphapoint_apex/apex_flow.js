// The APEX acceptance flow (contract, section 9) driven by the official npm client, unchanged.
//
// usage: node apex_flow.js MANIFEST_JSON
// Connects to the manifest's alphapoint_apex ws_url as its demo users, runs the flow and prints
// one JSON report of what the client saw; test_npm_client.py asserts on it. Every await has a
// 3 s limit, so a reply the client never settles (an m: 5, or none) fails with its step's name.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const { APEX } = require('alphapoint-apex-api');

const manifest = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).alphapoint_apex;
const URL = manifest.ws_url;
const OMS = manifest.oms_id;
const INSTRUMENT = manifest.instrument_id;
const user = (name) => manifest.users.find((u) => u.username === name);
const A = user('trader-1');
const B = user('trader-2');
const OP = user('operator');
const LIMIT_MS = 3000;

function within(promise, step) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: no answer within ${LIMIT_MS} ms`)), LIMIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function until(predicate, step) {
  const deadline = Date.now() + LIMIT_MS;
  for (;;) {
    const found = predicate();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${step}: not seen within ${LIMIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// A client plus everything it received, in arrival order (read from the client's own stream).
function client() {
  const apex = new APEX(URL, { onopen() {}, onclose() {} });
  const frames = [];
  const orderEvents = [];
  apex.ws.subscribe((f) => {
    let body = null;
    try { body = JSON.parse(f.o); } catch (e) { body = f.o; }
    frames.push({ m: f.m, i: f.i, n: f.n, body });
  });
  apex.orderEvents.subscribe((order) => orderEvents.push(order));
  return { apex, frames, orderEvents };
}

function login(c, who) {
  return within(new Promise((resolve) => c.apex.authenticateUser(who.username, who.password, resolve)),
    `authenticateUser ${who.username}`);
}

function stateEvent(c, orderId, state) {
  return until(() => c.orderEvents.find((o) => o.OrderId === orderId && o.OrderState === state),
    `OrderStateEvent ${state} for order ${orderId}`);
}

const pick = (o, keys) => Object.fromEntries(keys.map((k) => [k, o[k]]));
const ORDER_KEYS = ['OrderId', 'Side', 'OrderType', 'OrderState', 'ChangeReason', 'CancelReason',
  'ClientOrderId', 'Quantity', 'OrigQuantity', 'QuantityExecuted', 'Price', 'Account',
  'Instrument', 'OrigOrderId', 'OMSId'];

function limitBuy(account, clientOrderId, quantity, price) {
  return {
    InstrumentId: INSTRUMENT, OMSId: OMS, AccountId: account, TimeInForce: 1,
    ClientOrderId: clientOrderId, OrderIdOCO: 0, UseDisplayQuantity: false, Side: 0,
    Quantity: quantity, OrderType: 2, PegPriceType: 3, LimitPrice: price,
  };
}

async function main() {
  const report = {};
  const sockets = [];
  const open = () => { const c = client(); sockets.push(c); return c; };

  // 1. authentication: password, API key on a second socket, bad signature
  const a = open();
  const auth = await login(a, A);
  report.password_login = { authenticated: auth.Authenticated, account_id: a.apex.accountId,
    user_id: auth.User.UserId, session_token: typeof auth.SessionToken };
  const nonce = String(Date.now());
  const signature = crypto.createHmac('sha256', A.api_secret)
    .update(nonce + String(A.user_id) + A.api_key).digest('hex');
  const k = open();
  const keyAuth = await within(k.apex.AuthenticateUser({
    APIKey: A.api_key, Signature: signature, UserId: String(A.user_id), Nonce: nonce,
  }), 'AuthenticateUser by API key');
  report.api_key_login = { authenticated: keyAuth.Authenticated, account_id: keyAuth.User.AccountId };
  const bad = open();
  report.bad_signature = await within(bad.apex.AuthenticateUser({
    APIKey: A.api_key, Signature: '00'.repeat(32), UserId: String(A.user_id), Nonce: nonce,
  }), 'AuthenticateUser with a bad signature');

  // 2. subscribe, place a limit order, see it Working and open
  report.subscribe = await within(a.apex.SubscribeAccountEvents({ OMSId: OMS, AccountId: A.account_id }),
    'SubscribeAccountEvents');
  const s1 = await within(a.apex.SendOrder(limitBuy(A.account_id, 1001, 1, 1)), 'SendOrder 1001');
  report.send_order = s1;
  report.working_event = pick(await stateEvent(a, s1.OrderId, 'Working'), ORDER_KEYS);
  const openOrders = await within(a.apex.GetOpenOrders({ OMSId: OMS, AccountId: A.account_id }),
    'GetOpenOrders');
  report.open_orders = openOrders.map((o) => pick(o, ORDER_KEYS));

  // 3. cancel by OrderId: acknowledgement, then the Canceled event, then the status
  report.cancel_by_id = await within(
    a.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id, OrderId: s1.OrderId }), 'CancelOrder by id');
  report.cancel_by_id_event = pick(await stateEvent(a, s1.OrderId, 'Canceled'), ORDER_KEYS);
  const ackAt = a.frames.findIndex((f) => f.m === 1 && f.n === 'CancelOrder');
  const eventAt = a.frames.findIndex((f) => f.m === 3 && f.n === 'OrderStateEvent'
    && f.body.OrderId === s1.OrderId && f.body.OrderState === 'Canceled');
  report.cancel_reply_before_event = ackAt >= 0 && eventAt > ackAt;
  report.cancel_event_i = a.frames[eventAt].i;
  report.subscribe_i = a.frames.find((f) => f.m === 1 && f.n === 'SubscribeAccountEvents').i;
  report.status_after_cancel = pick(await within(
    a.apex.GetOrderStatus({ OMSId: OMS, AccountId: A.account_id, OrderId: s1.OrderId }),
    'GetOrderStatus after cancel'), ORDER_KEYS);

  // ... and by AccountId + ClientOrderId
  const s2 = await within(a.apex.SendOrder(limitBuy(A.account_id, 1002, 2, 1.01)), 'SendOrder 1002');
  await stateEvent(a, s2.OrderId, 'Working');
  report.cancel_by_client_order_id = await within(
    a.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id, ClientOrderId: 1002 }),
    'CancelOrder by ClientOrderId');
  report.cancel_by_client_order_id_event = pick(await stateEvent(a, s2.OrderId, 'Canceled'), ORDER_KEYS);
  report.status_after_client_order_id_cancel = (await within(
    a.apex.GetOrderStatus({ OMSId: OMS, AccountId: A.account_id, OrderId: s2.OrderId }),
    'GetOrderStatus after ClientOrderId cancel')).OrderState;
  report.open_after_cancels = (await within(
    a.apex.GetOpenOrders({ OMSId: OMS, AccountId: A.account_id }), 'GetOpenOrders after cancels'))
    .map((o) => o.OrderId);

  // a repeated cancel is acknowledged, then rejected by event; the order stays canceled
  report.repeat_cancel = await within(
    a.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id, OrderId: s1.OrderId }), 'repeated CancelOrder');
  report.repeat_cancel_reject = (await until(() => a.frames.find(
    (f) => f.n === 'CancelOrderRejectEvent' && f.body.OrderId === s1.OrderId), 'CancelOrderRejectEvent')).body;

  // 4. refusals: unknown order, unidentifiable order, foreign account, operator, unauthenticated
  report.cancel_unknown = await within(
    a.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id, OrderId: 987654321 }), 'CancelOrder unknown');
  report.cancel_account_only = await within(
    a.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id }), 'CancelOrder without an order');
  const s3 = await within(a.apex.SendOrder(limitBuy(A.account_id, 1003, 1, 1.02)), 'SendOrder 1003');
  await stateEvent(a, s3.OrderId, 'Working');
  const b = open();
  await login(b, B);
  report.cancel_foreign_account = await within(
    b.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id, OrderId: s3.OrderId }),
    'CancelOrder by another account\'s trader');
  report.status_after_foreign_cancel = (await within(
    a.apex.GetOrderStatus({ OMSId: OMS, AccountId: A.account_id, OrderId: s3.OrderId }),
    'GetOrderStatus after the refused cancel')).OrderState;
  const op = open();
  await login(op, OP);
  report.cancel_as_operator = await within(
    op.apex.CancelOrder({ OMSId: OMS, AccountId: A.account_id, OrderId: s3.OrderId }), 'CancelOrder as operator');
  report.operator_cancel_event = pick(await stateEvent(a, s3.OrderId, 'Canceled'), ORDER_KEYS);
  const anon = open();
  report.cancel_unauthenticated = await within(
    anon.apex.CancelOrder({ OMSId: OMS, OrderId: s3.OrderId }), 'CancelOrder unauthenticated');

  // ModifyOrder: quantity down, same order id; CancelReplaceOrder: a new order replaces it
  const s4 = await within(a.apex.SendOrder(limitBuy(A.account_id, 1004, 5, 1.03)), 'SendOrder 1004');
  await stateEvent(a, s4.OrderId, 'Working');
  report.modify = await within(a.apex.ModifyOrder({
    OMSId: OMS, OrderId: s4.OrderId, InstrumentId: INSTRUMENT, Quantity: 3, AccountId: A.account_id,
  }), 'ModifyOrder');
  report.modified_event = pick(await until(() => a.orderEvents.find(
    (o) => o.OrderId === s4.OrderId && o.ChangeReason === 'UserModified'), 'ModifyOrder event'), ORDER_KEYS);
  report.replace = await within(a.apex.CancelReplaceOrder({
    OMSId: OMS, OrderIdToReplace: s4.OrderId, ClientOrdId: 1005, OrderType: 2, Side: 0,
    AccountId: A.account_id, InstrumentId: INSTRUMENT, UseDisplayQuantity: false, DisplayQuantity: 0,
    LimitPrice: 1.04, StopPrice: 0, ReferencePrice: 0, PegPriceType: 3, TimeInForce: 1, OrderIdOCO: 0,
    Quantity: 2,
  }), 'CancelReplaceOrder');
  report.replaced_old_event = pick(await stateEvent(a, s4.OrderId, 'Canceled'), ORDER_KEYS);
  report.replacement_status = pick(await within(a.apex.GetOrderStatus({
    OMSId: OMS, AccountId: A.account_id, OrderId: report.replace.ReplacementOrderId,
  }), 'GetOrderStatus of the replacement'), ORDER_KEYS);

  // CancelAllOrders on the account and instrument: nothing stays open
  await within(a.apex.SendOrder(limitBuy(A.account_id, 1006, 1, 1.05)), 'SendOrder 1006');
  report.cancel_all = await within(a.apex.CancelAllOrders({
    OMSId: OMS, AccountId: A.account_id, IntrumentId: INSTRUMENT,
  }), 'CancelAllOrders');
  report.open_after_cancel_all = (await within(
    a.apex.GetOpenOrders({ OMSId: OMS, AccountId: A.account_id }), 'GetOpenOrders after CancelAllOrders'))
    .map((o) => o.OrderId);

  report.frames_seen = a.frames.length;
  process.stdout.write(JSON.stringify(report) + '\n');
  for (const c of sockets) c.apex.closeConnection();
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
