/* Note-page engagement without a page reload. The page is the same HTML for every visitor:
 * this loads the viewer's own state (one small JSON GET), turns like/save/follow into toggles,
 * shows "bought it" on a saved note, fills the board list, and sends each form with fetch
 * (Accept: application/json). Signed-out visitors are sent to sign in. Without JS the forms
 * post normally and redirect back with a message. */
(function () {
  "use strict";
  var root = document.querySelector(".engagement[data-state-url]");
  if (!root) { return; }
  var state = null;
  var errorBox = root.querySelector("[data-engage-error]");

  function showError(message) {
    if (!errorBox) { return; }
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function setToggle(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    var onLabel = button.querySelector("[data-label-on]");
    var offLabel = button.querySelector("[data-label-off]");
    if (onLabel) { onLabel.hidden = !on; }
    if (offLabel) { offLabel.hidden = on; }
    if (button.dataset.on) { button.value = on ? button.dataset.on : button.dataset.off; }
  }

  function fillBoards(boards, current) {
    var select = root.querySelector("[data-board-select]");
    if (!select) { return; }
    while (select.options.length > 1) { select.remove(1); }
    (boards || []).forEach(function (board) {
      var option = document.createElement("option");
      option.value = String(board.id);
      option.textContent = board.name;
      option.selected = current === board.id;
      select.appendChild(option);
    });
    select.closest("[data-boards]").hidden = false;
  }

  function showCounts(counts) {
    Object.keys(counts || {}).forEach(function (name) {
      root.querySelectorAll('[data-count="' + name + '"]').forEach(function (element) {
        element.textContent = String(counts[name]);
      });
    });
  }

  function render(next) {
    state = next;
    root.querySelectorAll("[data-toggle]").forEach(function (button) {
      setToggle(button, Boolean(state[button.dataset.toggle]));
    });
    root.querySelectorAll("[data-show-when]").forEach(function (element) {
      element.hidden = !state[element.dataset.showWhen];
    });
    showCounts(state.counts);
    if (state.can_engage) { fillBoards(state.boards, state.board_id); }
    var input = root.querySelector('input[name="new_board"]');
    if (input) { input.value = ""; }
  }

  function load() {
    fetch(root.dataset.stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        state = data;
        if (data.can_engage) { render(data); return; }
        showCounts(data.counts);
        // Signed out: the action forms lead to sign-in (and back here). Staff: no actions.
        root.querySelectorAll("form[data-engage]").forEach(function (form) {
          if (form.dataset.engage === "bought" || data.signed_in) { form.hidden = true; }
        });
      })
      .catch(function () { /* offline: the forms still post normally */ });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-engage]");
    if (!form || !state) { return; }
    event.preventDefault();
    if (!state.signed_in && state.login_url) { window.location.assign(state.login_url); return; }
    var data = new FormData(form);
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button && button.name) { data.set(button.name, button.value); }
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (result.ok) { showError(""); render(result.body); return; }
        var error = result.body && result.body.error;
        showError(error ? error.message : "");
      })
      .catch(function () { showError(root.dataset.errorMessage); })
      .then(function () { if (button) { button.disabled = false; } });
  });

  root.querySelectorAll("[data-share]").forEach(function (button) {
    var input = root.querySelector("[data-share-url]");
    var done = root.querySelector("[data-share-done]");
    if (!input || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (done) { done.hidden = false; }
      });
    });
  });

  load();
})();
