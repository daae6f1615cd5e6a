// The article body's editor: django-prose-editor's "configurable" preset (its extensions named in
// the textarea's data attribute, articles.editorial.body_editor), made to keep to the Content-
// Security-Policy: the editor's own stylesheet goes in a <style> element carrying the page's nonce
// (tiptap adds one without, which the policy refuses). A module file, loaded with the page's nonce.
import * as editorModule from "django-prose-editor/editor"
import { Editor, initializeEditors } from "django-prose-editor/editor"

const marker = "data-django-prose-editor-article"
const EXTENSIONS = { ...editorModule }

function pageNonce() {
  // The nonce attribute reads empty once the page is parsed; the property keeps the value.
  const element = document.querySelector("script[nonce], link[nonce]")
  return element ? element.nonce : undefined
}

// Pasted HTML (a web page, Word, Google Docs) keeps its structure, never its looks: its style sheets,
// style and class attributes go before the editor reads it (any parse of them, even an inert one,
// would be refused by the Content-Security-Policy and reported), and what the editor does not know
// goes with its schema.
const STYLE_SHEETS = /<(style|script)\b[\s\S]*?<\/\1\s*>|<(meta|link)\b[^>]*>/gi
const LOOKS = /\s(?:style|class)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi

function withoutStyles(html) {
  return html.replace(STYLE_SHEETS, "").replace(LOOKS, "")
}

function fieldLabel(textarea) {
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`)
  return label ? label.textContent.replace(/:\s*$/, "").trim() : textarea.name
}

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null
  const config = JSON.parse(textarea.getAttribute(marker) || "{}")
  const extensions = []
  for (const [name, options] of Object.entries(config.extensions || {})) {
    const extension = EXTENSIONS[name]
    if (extension) {
      extensions.push(typeof options === "object" ? extension.configure(options) : extension)
    }
  }
  const disabled = textarea.hasAttribute("disabled")
  const wrapper = document.createElement("div")
  wrapper.className = `prose-editor ${disabled ? "disabled" : ""}`
  textarea.before(wrapper)
  wrapper.append(textarea)
  const editor = new Editor({
    element: wrapper,
    editable: !disabled,
    extensions,
    content: textarea.value,
    injectNonce: pageNonce(),
    editorProps: {
      transformPastedHTML: withoutStyles,
      // The editing area is named by the field's label ("Body"), as the textarea was.
      attributes: { "aria-label": fieldLabel(textarea) },
    },
    onUpdate({ editor }) {
      const html = editor.getHTML()
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
    onDestroy() {
      wrapper.before(textarea)
      wrapper.remove()
    },
  })
  textarea.dispatchEvent(new CustomEvent("prose-editor:ready", { detail: { editor, textarea }, bubbles: true }))
  return editor
}

initializeEditors(createEditor, `[${marker}]`)
