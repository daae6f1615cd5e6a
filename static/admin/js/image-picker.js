// The body editor's picture picker (articles.editorial.image_view): once a picture is uploaded,
// hand its address, description and caption back to the editor that opened this window, through
// the picker protocol the editor speaks (CKEditor's callFunction), and close. A file, not an inline
// script, so the Content-Security-Policy needs no exception.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const done = document.getElementById("image-picker-done");
  const editor = window.opener && window.opener.CKEDITOR && window.opener.CKEDITOR.tools;
  if (!done || !editor) {
    return;
  }
  editor.callFunction(Number(done.dataset.callback), done.dataset.url, {
    alternative_text: done.dataset.altText,
    caption: done.dataset.caption,
  });
  window.close();
});
