// Reports -> Drafts: "Insert figure" puts {{KEY}} where the cursor is in the paragraph's text.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".insert-figure");
  if (!button) return;
  const form = button.closest("form");
  const key = form.querySelector(".figure-picker").value.trim();
  const area = form.querySelector("textarea");
  if (!key || !area) return;
  const token = "{{" + key + "}}";
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? start;
  area.value = area.value.slice(0, start) + token + area.value.slice(end);
  area.focus();
  area.setSelectionRange(start + token.length, start + token.length);
});
