// Small progressive enhancements; every page works without this file.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  const block = event.target.closest("pre.copyable");
  if (block && navigator.clipboard) {
    navigator.clipboard.writeText(block.innerText.trim());
    block.classList.add("copied");
  }
});

// Menus (<details class="menu">, they open without this file): one open at a time, closed by a
// click elsewhere or by Escape.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) {
      menu.open = false;
    }
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

// On a phone, list tables (.table.card) read as one card per row: each cell gets its column's
// name, which app.css shows beside the value. Without this file they scroll inside their box.
function labelTable(table) {
  const names = Array.from(table.querySelectorAll(":scope > thead > tr > th"), (th) =>
    th.textContent.trim(),
  );
  if (!names.length) {
    return;
  }
  for (const row of table.querySelectorAll(":scope > tbody > tr")) {
    let column = 0;
    for (const cell of row.cells) {
      if (cell.colSpan === 1 && names[column]) {
        cell.dataset.label = names[column];
      }
      column += cell.colSpan;
    }
  }
  table.classList.add("stacked");
}
document.querySelectorAll("table.table.card").forEach(labelTable);

// A row of tabs wider than a phone scrolls sideways: start it at the current tab.
for (const tab of document.querySelectorAll(".tabs > [aria-current='page']")) {
  const tabs = tab.parentElement;
  if (tabs.scrollWidth > tabs.clientWidth) {
    tabs.scrollLeft = tab.offsetLeft - tabs.offsetLeft - 16;
  }
}

// Search suggestions as people type: a search box with data-suggest fills its <datalist> from
// that JSON endpoint (tags, note titles, KOL names). Without this file the box still searches.
function suggestSearch(input) {
  const list = document.getElementById(input.getAttribute("list"));
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q || !list) {
      return;
    }
    timer = setTimeout(async () => {
      const url = `${input.dataset.suggest}?q=${encodeURIComponent(q)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        return;
      }
      const found = await response.json();
      list.replaceChildren(
        ...[...found.tags, ...found.notes, ...found.kols].map((value) => new Option(value)),
      );
    }, 200);
  });
}
document.querySelectorAll("input[data-suggest]").forEach(suggestSearch);

// Registration: the browser's time zone, so dates read in it from the first page (the server
// keeps it only if it is a zone it knows; settings change it later).
document.addEventListener("DOMContentLoaded", () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const input of document.querySelectorAll('input[type="hidden"][name="time_zone"]')) {
    if (!input.value && zone) {
      input.value = zone;
    }
  }
});
