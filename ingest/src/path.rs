//! gNMI paths as written in configuration: `origin:/elem/list[key=value]/...` (origin optional; `*` values and
//! `...` are passed to the target as they are).

use crate::error::{IngestError, Result};

/// One path element: a name and its list keys, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElemSpec {
    pub name: String,
    pub keys: Vec<(String, String)>,
}

/// A parsed subscription path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSpec {
    /// `""` (OpenConfig), `openconfig` or a vendor origin such as `fathom`.
    pub origin: String,
    pub elems: Vec<ElemSpec>,
}

impl PathSpec {
    /// Parses `origin:/a/b[k=v]/c`; the leading `/` is optional, key values may contain `/` and `:`.
    pub fn parse(text: &str) -> Result<PathSpec> {
        let err = |reason: &str| IngestError::Path { path: text.to_string(), reason: reason.to_string() };
        let (origin, rest) = split_origin(text);
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let mut elems = Vec::new();
        for part in split_elems(rest).map_err(&err)? {
            elems.push(parse_elem(part).map_err(&err)?);
        }
        if elems.is_empty() {
            return Err(err("no elements: subscribe to a subtree such as /interfaces"));
        }
        Ok(PathSpec { origin: origin.to_string(), elems })
    }
}

/// `fathom:/x` -> (`fathom`, `/x`); a `:` inside the first element's keys is not an origin.
fn split_origin(text: &str) -> (&str, &str) {
    let head_end = text.find(['/', '[']).unwrap_or(text.len());
    match text[..head_end].split_once(':') {
        Some((origin, _)) => (origin, &text[origin.len() + 1..]),
        None => ("", text),
    }
}

/// Splits at `/` outside `[...]`.
fn split_elems(s: &str) -> Result<Vec<&str>, &'static str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '/' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return Err("unbalanced or nested brackets");
        }
    }
    if depth != 0 {
        return Err("unclosed '['");
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    Ok(parts)
}

fn parse_elem(part: &str) -> Result<ElemSpec, &'static str> {
    let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
    if name.is_empty() {
        return Err("empty element name");
    }
    let mut keys = Vec::new();
    while !rest.is_empty() {
        let body = rest.strip_prefix('[').ok_or("text after ']'")?;
        let end = body.find(']').ok_or("unclosed '['")?;
        let (k, v) = body[..end].split_once('=').ok_or("a key needs '=': [name=value]")?;
        if k.is_empty() {
            return Err("empty key name");
        }
        keys.push((k.to_string(), v.to_string()));
        rest = &body[end + 1..];
    }
    Ok(ElemSpec { name: name.to_string(), keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_origin_keys_and_slashes_in_values() {
        let p = PathSpec::parse("fathom:/wcmp/groups/group[prefix=10.0.1.0/24]/slots").unwrap();
        assert_eq!(p.origin, "fathom");
        assert_eq!(p.elems.len(), 4);
        assert_eq!(p.elems[2].keys, vec![("prefix".to_string(), "10.0.1.0/24".to_string())]);
        let p = PathSpec::parse("/interfaces/interface[name=*]/state").unwrap();
        assert_eq!((p.origin.as_str(), p.elems[1].name.as_str()), ("", "interface"));
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["", "/", "/a[b=c", "/a[bc]", "/a/[k=v]", "/a[k=v]x", "/a[[k=v]]"] {
            assert!(PathSpec::parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
