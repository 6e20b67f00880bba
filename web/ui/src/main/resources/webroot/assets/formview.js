// Renders a declaration form (GET /api/forms/{matterId}) one step at a time, for the applicant's
// wizard and for the clerk's live mirror. The same DOM on both sides: the clerk's pointer and
// highlights land where the applicant sees them. Sensitive fields are never rendered with a value in
// the mirror; applicant-only fields (consent, intent) are never editable there.

import { getLang, t } from './i18n.js';
import { PROVINCES, isEmpty, parseIdNumber } from './validate.js';

const ADDRESS_PARTS = ['province', 'city', 'district', 'detail'];
const UPPER = new Set(['id-number', 'uscc']);
const NO_SPACES = new Set(['id-number', 'uscc', 'mobile']);

/** A definition's text in the current language: label/labelEn, title/titleEn, hint/hintEn. */
export function localized(obj, key = 'label') {
  if (!obj) return '';
  return (getLang() === 'en' && obj[`${key}En`]) || obj[key] || '';
}

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child != null) node.append(child);
  return node;
};

export class FormView extends EventTarget {
  /**
   * @param root the element to render into
   * @param options.prefix id prefix ('f' for the applicant, 'm' for the mirror)
   * @param options.mirror true on the clerk's console
   */
  constructor(root, { prefix = 'f', mirror = false } = {}) {
    super();
    this.root = root;
    this.prefix = prefix;
    this.mirror = mirror;
    this.form = null;
    this.step = 0;
    this.values = {};
    this.errors = {};
    this.editable = () => !mirror;
    this.today = '2000-01-01';
    root.addEventListener('input', (e) => this.#changed(e));
    root.addEventListener('change', (e) => this.#changed(e));
    root.addEventListener('focusin', (e) => {
      const key = e.target.closest('[data-field]')?.dataset.field;
      if (key) this.dispatchEvent(new CustomEvent('focus', { detail: key }));
    });
  }

  setForm(form) {
    this.form = form;
    this.step = 0;
    this.showStep(0);
  }

  field(key) {
    return this.form?.steps.flatMap((s) => s.fields).find((f) => f.key === key) ?? null;
  }

  stepOf(key) {
    return this.form?.steps.findIndex((s) => s.fields.some((f) => f.key === key)) ?? -1;
  }

  fieldElement(key) {
    return this.root.querySelector(`[data-field="${CSS.escape(key)}"]`);
  }

  /** Builds the DOM of a step (values, errors and editability applied). */
  showStep(index) {
    if (!this.form) return;
    this.step = Math.max(0, Math.min(index, this.form.steps.length - 1));
    const step = this.form.steps[this.step];
    const hint = localized(step, 'hint');
    this.root.replaceChildren(
      el('h3', { className: 'step-title', textContent: localized(step, 'title') }),
      hint ? el('p', { className: 'hint', textContent: hint }) : null,
      ...step.fields.map((f) => this.#fieldDom(f)),
    );
    for (const f of step.fields) this.#write(f, this.values[f.key], true);
    this.setErrors(this.errors);
    this.refreshEditable();
  }

  /** Replaces all values; inputs being typed into keep what the user typed unless `force`. */
  setValues(values, { force = false } = {}) {
    this.values = { ...values };
    for (const f of this.form?.steps[this.step].fields ?? []) this.#write(f, this.values[f.key], force);
  }

  setValue(key, value, { force = false } = {}) {
    if (value === null || value === undefined) delete this.values[key];
    else this.values[key] = value;
    const f = this.field(key);
    if (f && this.fieldElement(key)) this.#write(f, value, force);
  }

  setErrors(errors) {
    this.errors = errors ?? {};
    for (const node of this.root.querySelectorAll('[data-field]')) {
      const code = this.errors[node.dataset.field];
      const box = node.querySelector('.derror');
      box.hidden = !code;
      box.textContent = code ? t(`decl.err.${code}`) : '';
      node.classList.toggle('invalid', Boolean(code));
      for (const input of node.querySelectorAll('input, select, textarea')) input.setAttribute('aria-invalid', String(Boolean(code)));
    }
  }

  refreshEditable() {
    for (const node of this.root.querySelectorAll('[data-field]')) {
      const f = this.field(node.dataset.field);
      const on = Boolean(f) && this.editable(f);
      for (const input of node.querySelectorAll('input, select, textarea')) input.disabled = !on;
      node.classList.toggle('readonly', !on);
    }
  }

  /** Marks the field the other side has focused. */
  setRemoteFocus(key) {
    for (const node of this.root.querySelectorAll('[data-field].remote-focus')) node.classList.remove('remote-focus');
    if (key) this.fieldElement(key)?.classList.add('remote-focus');
  }

  /** Briefly marks a field (the clerk's highlight, or a value the clerk filled in). */
  flash(key, className = 'pointed', ms = 4000) {
    const node = this.fieldElement(key);
    if (!node) return;
    node.classList.add(className);
    clearTimeout(node[`${className}Timer`]);
    node[`${className}Timer`] = setTimeout(() => node.classList.remove(className), ms);
  }

  // ------------------------------------------------------------ DOM of one field

  #fieldDom(f) {
    const id = `${this.prefix}-${f.key}`;
    const node = el('div', { className: `dfield type-${f.type}` });
    node.dataset.field = f.key;
    node.dataset.type = f.type;
    const label = el('label', { htmlFor: id, className: 'dlabel' }, localized(f));
    if (f.required) label.append(el('span', { className: 'req', textContent: ' *', title: t('decl.required') }));
    if (f.applicantOnly) label.append(el('span', { className: 'tag self', textContent: t('decl.applicantOnly') }));
    if (f.type === 'sensitive') label.append(el('span', { className: 'tag secret', textContent: t('decl.sensitiveTag') }));
    if (f.type !== 'checkbox') node.append(label);

    if (this.mirror && f.type === 'sensitive') {
      node.append(el('div', { className: 'masked', textContent: t('decl.masked') }));
    } else {
      node.append(this.#input(f, id));
    }
    const hint = localized(f, 'hint');
    if (hint && !(this.mirror && f.type === 'sensitive')) node.append(el('div', { className: 'dhint', textContent: hint }));
    if (this.mirror && f.applicantOnly) node.append(el('div', { className: 'lock-note', textContent: t('decl.onlyApplicantCan') }));
    if (f.type === 'id-number') node.append(el('div', { className: 'dinfo' }));
    node.append(el('div', { className: 'derror', hidden: true }));
    return node;
  }

  #input(f, id) {
    switch (f.type) {
      case 'address': {
        const province = el('select', { id, className: 'part' });
        province.dataset.part = 'province';
        province.append(el('option', { value: '', textContent: t('decl.addr.province') }));
        for (const p of PROVINCES) province.append(el('option', { value: p, textContent: p }));
        const part = (name, cls = '') => {
          const input = el('input', { id: `${id}-${name}`, className: `part ${cls}`, maxLength: 120, autocomplete: 'off' });
          input.dataset.part = name;
          input.placeholder = t(`decl.addr.${name}`);
          input.setAttribute('aria-label', `${localized(f)} ${t(`decl.addr.${name}`)}`);
          return input;
        };
        return el('div', { className: 'address' }, province, part('city'), part('district'), part('detail', 'wide'));
      }
      case 'select': {
        if (f.options.length <= 4) {
          const group = el('div', { className: 'options', id });
          group.setAttribute('role', 'radiogroup');
          for (const o of f.options) {
            const input = el('input', { type: 'radio', name: id, value: o.value });
            group.append(el('label', { className: 'opt' }, input, el('span', { textContent: localized(o) })));
          }
          return group;
        }
        const select = el('select', { id });
        select.append(el('option', { value: '', textContent: t('decl.choose') }));
        for (const o of f.options) select.append(el('option', { value: o.value, textContent: localized(o) }));
        return select;
      }
      case 'checkbox': {
        const input = el('input', { type: 'checkbox', id });
        const text = el('span', { textContent: localized(f) });
        const label = el('label', { className: 'check', htmlFor: id }, input, text);
        if (f.required) text.append(el('span', { className: 'req', textContent: ' *' }));
        if (f.applicantOnly) label.append(el('span', { className: 'tag self', textContent: t('decl.applicantOnly') }));
        return label;
      }
      case 'text':
        if (f.multiline) return el('textarea', { id, rows: 3, maxLength: f.maxLength ?? 200 });
        return el('input', { id, maxLength: f.maxLength ?? 200, autocomplete: 'off', placeholder: f.placeholder ?? '' });
      case 'sensitive':
        return el('input', { id, type: 'password', autocomplete: 'new-password', maxLength: f.maxLength ?? 40, inputMode: f.pattern?.startsWith('\\d') ? 'numeric' : 'text' });
      case 'number': {
        const input = el('input', { id, inputMode: 'decimal', autocomplete: 'off', maxLength: 20 });
        return el('div', { className: 'with-unit' }, input, f.unit ? el('span', { className: 'unit', textContent: f.unit }) : null);
      }
      case 'date': {
        const input = el('input', { id, type: 'date' });
        if (f.notBefore) input.min = f.notBefore === 'today' ? this.today : f.notBefore;
        if (f.notAfter) input.max = f.notAfter === 'today' ? this.today : f.notAfter;
        return input;
      }
      case 'mobile':
        return el('input', { id, type: 'tel', inputMode: 'numeric', maxLength: 11, autocomplete: 'off', placeholder: t('decl.ph.mobile') });
      case 'id-number':
        return el('input', { id, maxLength: 18, autocomplete: 'off', spellcheck: false, placeholder: f.placeholder ?? t('decl.ph.id') });
      case 'uscc':
        return el('input', { id, maxLength: 18, autocomplete: 'off', spellcheck: false, placeholder: t('decl.ph.uscc') });
      default:
        return el('input', { id });
    }
  }

  // ------------------------------------------------------------ values in and out of the DOM

  #read(f, node) {
    switch (f.type) {
      case 'address': {
        const v = {};
        for (const p of ADDRESS_PARTS) {
          const s = node.querySelector(`[data-part="${p}"]`).value;
          if (s !== '') v[p] = s;
        }
        return Object.keys(v).length ? v : null;
      }
      case 'select': {
        const checked = node.querySelector('input[type=radio]:checked');
        if (checked) return checked.value;
        const select = node.querySelector('select');
        return select?.value ? select.value : null;
      }
      case 'checkbox':
        return node.querySelector('input').checked;
      default: {
        const input = node.querySelector('input, textarea');
        let v = input.value;
        if (NO_SPACES.has(f.type)) v = v.replace(/\s+/g, '');
        if (UPPER.has(f.type)) v = v.toUpperCase();
        if (v !== input.value) input.value = v;
        return v === '' ? null : v;
      }
    }
  }

  #write(f, value, force) {
    const node = this.fieldElement(f.key);
    if (!node) return;
    if (!force && node.contains(document.activeElement) && f.type !== 'checkbox' && f.type !== 'select') {
      this.#info(f, node);
      return; // do not fight the person typing
    }
    switch (f.type) {
      case 'address':
        for (const p of ADDRESS_PARTS) {
          const input = node.querySelector(`[data-part="${p}"]`);
          if (input) input.value = value?.[p] ?? '';
        }
        break;
      case 'select': {
        for (const r of node.querySelectorAll('input[type=radio]')) r.checked = r.value === value;
        const select = node.querySelector('select');
        if (select) select.value = value ?? '';
        break;
      }
      case 'checkbox':
        node.querySelector('input').checked = value === true;
        break;
      case 'sensitive':
        if (!this.mirror) node.querySelector('input').value = value ?? '';
        break;
      default: {
        const input = node.querySelector('input, textarea');
        if (input) input.value = value ?? '';
      }
    }
    this.#info(f, node);
  }

  /** Under an ID number: what it says (birth date, sex), once it is valid. */
  #info(f, node) {
    if (f.type !== 'id-number') return;
    const box = node.querySelector('.dinfo');
    const parsed = isEmpty(this.values[f.key]) ? null : parseIdNumber(this.values[f.key], this.today);
    box.textContent = parsed ? t('decl.idInfo', { birth: parsed.birthDate, sex: t(`decl.sex.${parsed.sex}`) }) : '';
    box.hidden = !parsed;
  }

  #changed(e) {
    const node = e.target.closest('[data-field]');
    if (!node || !this.form) return;
    const f = this.field(node.dataset.field);
    if (!f || !this.editable(f)) return;
    // Text inputs report on 'input'; radios, tick boxes and selects on 'change'.
    const isChoice = e.target.type === 'radio' || e.target.type === 'checkbox' || e.target.tagName === 'SELECT';
    if ((e.type === 'change') !== isChoice) return;
    const value = this.#read(f, node);
    if (value === null || value === undefined) delete this.values[f.key];
    else this.values[f.key] = value;
    this.#info(f, node);
    if (this.errors[f.key]) {
      delete this.errors[f.key];
      this.setErrors(this.errors);
    }
    this.dispatchEvent(new CustomEvent('input', { detail: { key: f.key, value, field: f } }));
  }
}

/** The step chips above a form: number, title, state (done, current, todo). */
export function renderSteps(container, form, current, { done = new Set(), onClick = null } = {}) {
  container.replaceChildren(
    ...form.steps.map((step, i) => {
      const chip = el('button', { type: 'button', className: 'chip' });
      chip.dataset.step = String(i);
      chip.classList.toggle('current', i === current);
      chip.classList.toggle('done', done.has(i) && i !== current);
      chip.disabled = !onClick;
      if (i === current) chip.setAttribute('aria-current', 'step');
      chip.append(el('span', { className: 'n', textContent: done.has(i) && i !== current ? '✔' : String(i + 1) }), el('span', { className: 't', textContent: localized(step, 'title') }));
      if (onClick) chip.addEventListener('click', () => onClick(i));
      return chip;
    }),
  );
}
