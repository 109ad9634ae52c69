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
