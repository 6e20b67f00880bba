// Declaration field rules, the same as the server's (signaling: FieldRules, IdNumbers, CreditCodes).
// The browser checks for the applicant's convenience; the server checks again and is the truth. An
// end-to-end test feeds both sides the same table of cases. Error codes are shared ('decl.err.<code>').

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43',
  '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const MOBILE = /^1[3-9]\d{9}$/;
const NUMBER = /^-?\d{1,15}(\.\d{1,8})?$/;

export const PROVINCES = [
  '北京市', '天津市', '河北省', '山西省', '内蒙古自治区', '辽宁省', '吉林省', '黑龙江省', '上海市', '江苏省', '浙江省', '安徽省',
  '福建省', '江西省', '山东省', '河南省', '湖北省', '湖南省', '广东省', '广西壮族自治区', '海南省', '重庆市', '四川省', '贵州省',
  '云南省', '西藏自治区', '陕西省', '甘肃省', '青海省', '宁夏回族自治区', '新疆维吾尔自治区', '台湾省', '香港特别行政区', '澳门特别行政区',
];

const length = (s) => [...s].length;

/** GB 11643-1999 check character for the first 17 digits. */
export function idCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

function birthDate(id) {
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/** The ID number's error code, or null. `today` is 'YYYY-MM-DD'. */
export function idNumberProblem(id, today) {
  if (typeof id !== 'string' || !/^\d{17}[\dX]$/.test(id)) return 'id_format';
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return 'id_region';
  const birth = birthDate(id);
  if (!birth || birth < '1900-01-01' || birth > today) return 'id_birth';
  if (idCheckChar(id) !== id[17]) return 'id_checksum';
  return null;
}

/** What a valid ID number says: {birthDate, sex: 'male'|'female'}; null if invalid. */
export function parseIdNumber(id, today) {
  if (idNumberProblem(id, today)) return null;
  return { birthDate: birthDate(id), sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' };
}

/** GB 32100-2015 check character for the first 17 characters. */
export function usccCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

export function usccProblem(code) {
  if (typeof code !== 'string' || code.length !== 18) return 'uscc_format';
  for (const c of code) if (!USCC_CHARSET.includes(c)) return 'uscc_format';
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'uscc_format';
  if (usccCheckChar(code) !== code[17]) return 'uscc_checksum';
  return null;
}

/** True when a value counts as "not filled in". */
export function isEmpty(v) {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'object') return !['province', 'city', 'district', 'detail'].some((p) => typeof v[p] === 'string' && v[p].trim() !== '');
  return false;
}

function bound(spec, today) {
  if (!spec) return null;
  return spec === 'today' ? today : spec;
}

const hasAngle = (s) => s.includes('<') || s.includes('>');
// eslint-disable-next-line no-control-regex
const hasControl = (s) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s);

/** The rule of one non-empty value (sensitive fields included: they are checked only here). */
export function fieldProblem(field, v, today) {
  if (isEmpty(v)) return null;
  switch (field.type) {
    case 'text':
    case 'sensitive': {
      if (typeof v !== 'string') return 'type';
      const n = length(v.trim());
      if (field.minLength != null && n < field.minLength) return 'too_short';
      if (n > (field.maxLength ?? 200)) return 'too_long';
      if (hasControl(field.multiline ? v.replace(/\n/g, '') : v)) return 'invalid_chars';
      if (field.type === 'text' && hasAngle(v)) return 'invalid_chars';
      if (field.pattern && !new RegExp(`^(?:${field.pattern})$`, 'u').test(v)) return 'pattern';
      return null;
    }
    case 'id-number':
      return idNumberProblem(v, today);
    case 'mobile':
      return MOBILE.test(v) ? null : 'mobile_format';
    case 'uscc':
      return usccProblem(v);
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return 'date_format';
      const [y, m, d] = v.split('-').map(Number);
      const date = new Date(Date.UTC(y, m - 1, d));
      if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return 'date_format';
      const notBefore = bound(field.notBefore, today);
      const notAfter = bound(field.notAfter, today);
      if ((notBefore && v < notBefore) || (notAfter && v > notAfter)) return 'date_range';
      return null;
    }
    case 'address': {
      const part = (p) => (typeof v[p] === 'string' ? v[p].trim() : '');
      if (!PROVINCES.includes(part('province'))) return 'address_incomplete';
      if (length(part('city')) < 2 || length(part('district')) < 2 || length(part('detail')) < 4) return 'address_incomplete';
      if (['province', 'city', 'district', 'detail'].some((p) => hasAngle(part(p)))) return 'invalid_chars';
      return null;
    }
    case 'number': {
      if (!NUMBER.test(v)) return 'number_format';
      const decimals = v.includes('.') ? v.split('.')[1].length : 0;
      if (field.scale != null && decimals > field.scale) return 'number_format';
      const n = Number(v);
      if ((field.min != null && n < Number(field.min)) || (field.max != null && n > Number(field.max))) return 'number_range';
      return null;
    }
    case 'select':
      return field.options.some((o) => o.value === v) ? null : 'option_unknown';
    default:
      return null;
  }
}

/** Every field of the given steps (all when omitted): {key: code}. */
export function validateFields(form, values, today, steps = form.steps) {
  const errors = {};
  const all = form.steps.flatMap((s) => s.fields);
  for (const step of steps) {
    for (const field of step.fields) {
      const v = values[field.key];
      if (isEmpty(v)) {
        if (field.required) errors[field.key] = 'required';
        continue;
      }
      const problem = fieldProblem(field, v, today);
      if (problem) errors[field.key] = problem;
    }
    for (const field of step.fields) {
      if (field.type !== 'id-number' || !field.sexField || errors[field.key]) continue;
      const sexField = all.find((f) => f.key === field.sexField);
      const sex = values[field.sexField];
      const parsed = parseIdNumber(values[field.key], today);
      if (sexField && parsed && !isEmpty(sex) && parsed.sex !== sex) errors[field.key] = 'id_sex_mismatch';
    }
  }
  return errors;
}

/** Today in China, 'YYYY-MM-DD' (the server judges dates in Asia/Shanghai too). */
export function todayInChina(now = new Date()) {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
