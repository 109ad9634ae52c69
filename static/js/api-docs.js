// The API docs page (/api/v1/docs): Swagger UI reading our generated OpenAPI document.
// A file of its own because the Content-Security-Policy allows no inline script.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
});
