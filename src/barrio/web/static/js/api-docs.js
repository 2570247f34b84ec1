// Swagger UI on the portal's OpenAPI schema. An external file, not an inline script: the
// portal's Content-Security-Policy allows scripts from the portal itself only.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
