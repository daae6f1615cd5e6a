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

// Word does not paste its lists as lists: each item is a paragraph marked in its style attribute
// ("mso-list:l0 level1 lfo1"), its bullet or number written as text ("·", "1.") with non-breaking
// spaces, inside a conditional comment or an "mso-list:Ignore" span. Read before the styles go:
// consecutive marked paragraphs become one list (numbered if the marker is a number or a letter),
// an item of a deeper level a list inside the item before it.
const WORD_ITEM = /<p\b[^>]*?mso-list:\s*l\d+\s+level(\d+)[^>]*>([\s\S]*?)<\/p>/gi
const WORD_MARKER =
  /<!(?:--)?\[if !supportLists\](?:--)?>([\s\S]*?)<!(?:--)?\[endif\](?:--)?>|<span[^>]*mso-list:\s*Ignore[^>]*>([\s\S]*?)<\/span>\s*<\/span>/i

function markerText(html) {
  return html.replace(/<[^>]*>/g, "").replace(/&nbsp;|\u00a0/g, " ").trim()
}

function wordItems(html) {
  // Runs of list paragraphs with nothing but white space between them.
  const runs = []
  let run = null
  let last = 0
  for (const match of html.matchAll(WORD_ITEM)) {
    const between = html.slice(last, match.index)
    if (!run || between.trim()) {
      run = { start: match.index, items: [] }
      runs.push(run)
    }
    const marker = match[2].match(WORD_MARKER)
    const text = marker ? match[2].replace(marker[0], "") : match[2]
    const label = marker ? markerText(marker[1] ?? marker[2] ?? "") : ""
    run.items.push({ level: Number(match[1]), text, ordered: /^[0-9a-z]{1,4}[.)]$/i.test(label) })
    run.end = match.index + match[0].length
    last = run.end
  }
  return runs
}

function listHtml(items) {
  let html = ""
  const open = [] // the tags of the lists open, outermost first
  for (const item of items) {
    while (open.length > item.level) html += `</li></${open.pop()}>`
    if (open.length === item.level) html += "</li>"
    while (open.length < item.level) {
      const tag = item.ordered ? "ol" : "ul"
      open.push(tag)
      html += `<${tag}>`
    }
    html += `<li><p>${item.text.trim()}</p>`
  }
  while (open.length) html += `</li></${open.pop()}>`
  return html
}

// Google Docs wraps the whole clipboard in <b style="font-weight:normal" id="docs-internal-guid-…">,
// which would make everything bold once the style is gone, and writes bold and italics as styles of
// spans: the wrapper goes, and those spans become <strong> and <em> before the styles do.
const DOCS_WRAPPER = /<b\b[^>]*id="docs-internal-guid[^"]*"[^>]*>([\s\S]*)<\/b>/i
const STYLED_SPAN = /<span\b[^>]*style="([^"]*)"[^>]*>([\s\S]*?)<\/span>/gi

function fromGoogleDocs(html) {
  if (!DOCS_WRAPPER.test(html)) return html
  return html.replace(DOCS_WRAPPER, "$1").replace(STYLED_SPAN, (span, style, text) => {
    let marked = text
    if (/font-style:\s*italic/i.test(style)) marked = `<em>${marked}</em>`
    if (/font-weight:\s*(?:[6-9]00|bold)/i.test(style)) marked = `<strong>${marked}</strong>`
    return marked
  })
}

function wordLists(html) {
  let result = ""
  let at = 0
  for (const run of wordItems(html)) {
    result += html.slice(at, run.start) + listHtml(run.items)
    at = run.end
  }
  return result + html.slice(at)
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
      transformPastedHTML: (html) => withoutStyles(wordLists(fromGoogleDocs(html))),
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
