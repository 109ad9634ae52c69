// Forms with files (<form data-upload-progress>): a preview of what was chosen, and a progress
// bar while it uploads. Without this file the form posts as usual. See app/upload_progress.py.
(() => {
  const previews = new WeakMap();

  function showPreview(input) {
    let box = previews.get(input);
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-preview";
      box.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", box);
      previews.set(input, box);
    }
    for (const old of box.querySelectorAll("[src^='blob:']")) {
      URL.revokeObjectURL(old.src);
    }
    box.replaceChildren();
    for (const file of input.files) {
      const figure = document.createElement("figure");
      let media;
      if (file.type.startsWith("image/")) {
        media = document.createElement("img");
        media.alt = file.name;
      } else if (file.type.startsWith("video/")) {
        media = document.createElement("video");
        media.muted = true;
        media.controls = true;
        media.preload = "metadata";
      }
      if (media) {
        media.src = URL.createObjectURL(file);
        figure.append(media);
      }
      const caption = document.createElement("figcaption");
      caption.textContent = `${file.name} · ${(file.size / 1048576).toFixed(1)} MB`;
      figure.append(caption);
      box.append(figure);
    }
  }

  function hasFiles(form) {
    return [...form.querySelectorAll("input[type=file]")].some((input) => input.files.length);
  }

  function upload(form, submitter) {
    const bar = form.querySelector(".upload-progress") || document.createElement("div");
    bar.className = "upload-progress";
    bar.replaceChildren();
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    const label = document.createElement("span");
    label.textContent = form.dataset.uploadProgress || "";
    bar.append(progress, label);
    form.append(bar);
    for (const button of form.querySelectorAll("button")) {
      button.disabled = true;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Upload-Progress", "1");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        progress.value = Math.round((event.loaded / event.total) * 100);
        label.textContent = `${progress.value} %`;
      }
    });
    request.addEventListener("load", () => {
      const type = request.getResponseHeader("Content-Type") || "";
      if (type.startsWith("application/json")) {
        const answer = JSON.parse(request.responseText);
        if (answer.redirect) {
          window.location.assign(answer.redirect);
          return;
        }
      }
      // The form again with its errors (422), or an error page: shown as the server sent it.
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", () => {
      // The connection failed: post the form the ordinary way, which shows the browser's error.
      form.removeAttribute("data-upload-progress");
      form.requestSubmit(submitter);
    });
    request.send(new FormData(form, submitter));
  }

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input.matches("form[data-upload-progress] input[type=file]")) {
      showPreview(input);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-upload-progress]");
    if (!form || event.defaultPrevented || !hasFiles(form) || !window.FormData) {
      return;
    }
    event.preventDefault();
    upload(form, event.submitter);
  });
})();
