// payhook's console: the one script. A page marked data-live reloads
// itself every few seconds: the live feed of deliveries.
"use strict";
(function () {
  var seconds = Number(document.body.dataset.live || 0);
  if (seconds > 0) {
    setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
