// Registers the service worker that makes mlTrainer work offline. Kept in
// its own file so the content security policy needs no inline script.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
      console.warn("mlTrainer: offline support unavailable:", err);
    });
  });
}
