// Finance console: refresh a reconciliation run's progress bar until the run finishes,
// then reload the page to show its result. Without JavaScript the page offers a reload link.
(function () {
  const box = document.querySelector(".run-progress[data-status-url]");
  if (!box || box.dataset.finished === "yes") {
    return;
  }
  const bar = box.querySelector("[data-progress-bar]");
  const text = box.querySelector("[data-progress-text]");

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((run) => {
        if (run.total) {
          bar.max = run.total;
          bar.value = run.processed;
        }
        text.textContent = run.processed + " / " + run.total;
        if (run.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(() => window.setTimeout(poll, 10000));
  }
  window.setTimeout(poll, 1000);
})();
