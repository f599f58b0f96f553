// The hardware request form shows only the fields the chosen kind of request uses.
// Without JavaScript every field is shown, and the server ignores the ones that do not apply.
(function () {
  const form = document.getElementById("hw-form");
  if (!form) return;
  const fields = JSON.parse(document.getElementById("hw-kind-fields").textContent);
  function sync() {
    const picked = form.querySelector("input[name=kind]:checked");
    const wanted = picked ? fields[picked.value] || [] : [];
    form.querySelectorAll("[data-hw-field]").forEach(function (box) {
      box.hidden = !wanted.includes(box.dataset.hwField);
    });
  }
  form.addEventListener("change", sync);
  sync();
})();
