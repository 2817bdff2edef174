// Where a reader hands live mode a photo (the picker's file input, a drop on the picker, a paste anywhere), and where
// they reach for one (pointing at the file input or its sentence, focusing the input, dragging a file over the
// page): page.js wires both.

/** photoGiven(file): embed it (live mode starts if need be); intent(): start the photo tower early. */
export function wirePhotoInputs(photoGiven, intent) {
  const picker = document.getElementById('photo-picker');
  picker?.addEventListener('change', (e) => e.target.type === 'file' && photoGiven(e.target.files[0]));
  picker?.addEventListener('dragover', (e) => e.preventDefault());
  picker?.addEventListener('drop', (e) => { e.preventDefault(); photoGiven(e.dataTransfer.files[0]); });
  document.addEventListener('paste', (e) => photoGiven(e.clipboardData?.files[0]));
  const input = document.querySelector('[data-testid=own-photo-input]');
  // the input sits in its sentence's <label>: pointing at the sentence, which opens the file dialog too, is intent
  const control = input?.closest('label') ?? input;
  for (const type of ['pointerenter', 'pointerdown']) control?.addEventListener(type, intent);
  input?.addEventListener('focus', intent);
  document.addEventListener('dragenter', (e) => e.dataTransfer?.types.includes('Files') && intent());
}
