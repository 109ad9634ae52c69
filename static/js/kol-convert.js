/* KOL Market conversion snippet, for a brand's own site (served by us, no dependencies).
 * On every page: remembers the kol_click parameter of a KOL link for 7 days.
 * On the order confirmation page: kolConversion({order_id, value, currency}) reports the order
 * once (the order id counts once however often the page is reloaded). */
(function () {
  var script = document.currentScript;
  var endpoint = script ? new URL("/t/conversions", script.src).href : "/t/conversions";
  var KEY = "kol_click";
  var WEEK = 7 * 24 * 3600 * 1000;
  try {
    var click = new URLSearchParams(window.location.search).get(KEY);
    if (click) {
      localStorage.setItem(KEY, JSON.stringify({ id: click, at: Date.now() }));
    }
  } catch (e) { /* storage blocked: nothing to remember */ }

  window.kolConversion = function (order) {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || Date.now() - saved.at > WEEK || !order || !order.order_id) { return false; }
    var body = JSON.stringify({
      click_id: saved.id,
      order_id: String(order.order_id),
      value: Math.round(order.value),
      currency: String(order.currency || "").toLowerCase(),
      time: new Date().toISOString()
    });
    var blob = new Blob([body], { type: "text/plain" });
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint, blob)) { return true; }
    fetch(endpoint, { method: "POST", body: body, mode: "no-cors", keepalive: true });
    return true;
  };
})();
