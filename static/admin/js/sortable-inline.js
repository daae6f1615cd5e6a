// Rows of an admin inline whose fieldset has the class "sortable-inline", put in order by dragging
// a row's handle or with its "Up" and "Down" buttons (keyboard users: Tab to a button, Enter). The
// rows' position fields are numbered in the order shown when the form is sent, so a new row goes to
// the end unless moved. A file, not an inline script, so the Content-Security-Policy needs nothing.
"use strict";
(() => {
  const ROW = "tr.form-row:not(.empty-form)";

  function positionInput(row) {
    return row.querySelector("input[name$='-position']");
  }

  function filled(row) {
    // A row counts once it holds something (an existing one, or a new one given an article or a title).
    if (row.classList.contains("has_original")) {
      return true;
    }
    return [...row.querySelectorAll("input[name$='-title'], select[name$='-related'], input[name$='-related']")].some(
      (field) => field.value,
    );
  }

  function renumber(table) {
    let position = 0;
    for (const row of table.querySelectorAll(ROW)) {
      const input = positionInput(row);
      if (input && filled(row)) {
        input.value = position++;
      }
    }
  }

  function announce(table, message) {
    const status = table.closest("fieldset").querySelector(".sortable-status");
    status.textContent = message;
  }

  function move(row, offset) {
    const rows = [...row.parentElement.querySelectorAll(ROW)];
    const target = rows[rows.indexOf(row) + offset];
    if (!target) {
      return;
    }
    if (offset < 0) {
      target.before(row);
    } else {
      target.after(row);
    }
    const table = row.closest("table");
    renumber(table);
    const place = [...row.parentElement.querySelectorAll(ROW)].indexOf(row) + 1;
    announce(table, `Moved to place ${place}.`);
  }

  function button(label, text, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "button";
    element.textContent = text;
    element.setAttribute("aria-label", label);
    element.addEventListener("click", onClick);
    return element;
  }

  function equip(row) {
    const input = positionInput(row);
    if (!input || row.querySelector(".sortable-controls")) {
      return;
    }
    input.type = "hidden";
    const controls = document.createElement("span");
    controls.className = "sortable-controls";
    const handle = document.createElement("span");
    handle.className = "sortable-handle";
    handle.textContent = "⠿";
    handle.title = "Drag to reorder";
    controls.append(
      handle,
      button("Move up", "↑", () => move(row, -1)),
      button("Move down", "↓", () => move(row, 1)),
    );
    input.after(controls);
    row.draggable = true;
    row.addEventListener("dragstart", (event) => {
      row.classList.add("sortable-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.id || "row");
    });
    row.addEventListener("dragend", () => {
      row.classList.remove("sortable-dragging");
      renumber(row.closest("table"));
    });
    row.addEventListener("dragover", (event) => {
      const dragged = row.parentElement.querySelector(".sortable-dragging");
      if (!dragged || dragged === row) {
        return;
      }
      event.preventDefault();
      const rows = [...row.parentElement.querySelectorAll(ROW)];
      if (rows.indexOf(dragged) < rows.indexOf(row)) {
        row.after(dragged);
      } else {
        row.before(dragged);
      }
    });
    row.addEventListener("drop", (event) => event.preventDefault());
  }

  function setUp(fieldset) {
    const table = fieldset.querySelector("table");
    if (!table) {
      return;
    }
    const status = document.createElement("p");
    status.className = "sortable-status visually-hidden";
    status.setAttribute("role", "status");
    fieldset.append(status);
    table.querySelectorAll(ROW).forEach(equip);
    fieldset.closest("form").addEventListener("submit", () => renumber(table));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("fieldset.sortable-inline").forEach(setUp);
  });
  document.addEventListener("formset:added", (event) => {
    const row = event.target.closest ? event.target.closest(ROW) || event.target : event.target;
    if (row.closest && row.closest("fieldset.sortable-inline")) {
      equip(row);
    }
  });
})();
