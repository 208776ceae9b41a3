//! Cases, groups and vector files, and the JSON Schema each file is checked against.

pub(crate) const GEN_NAME: &str = "bitwrk-vectorgen";
pub(crate) const GEN_VERSION: &str = "0.1.0";
pub(crate) const SPEC_VERSION: &str = "0.2.0";

use crate::{J, obj, strs};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Valid,
    /// Weak-but-legal inputs either outcome may pass; no case uses it yet.
    #[allow(dead_code)]
    Acceptable,
    Invalid(&'static str),
}

#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) comment: String,
    pub(crate) flags: Vec<&'static str>,
    pub(crate) req: Vec<&'static str>,
    pub(crate) fields: Vec<(String, J)>,
    pub(crate) outcome: Option<Outcome>,
}

pub(crate) fn case(comment: impl Into<String>) -> Case {
    Case {
        comment: comment.into(),
        flags: Vec::new(),
        req: Vec::new(),
        fields: Vec::new(),
        outcome: None,
    }
}

impl Case {
    pub(crate) fn flag(mut self, f: &'static str) -> Case {
        if !self.flags.contains(&f) {
            self.flags.push(f);
        }
        self
    }
    pub(crate) fn flags(mut self, fs: &[&'static str]) -> Case {
        for f in fs {
            self = self.flag(f);
        }
        self
    }
    pub(crate) fn req(mut self, rs: &[&'static str]) -> Case {
        for r in rs {
            if !self.req.contains(r) {
                self.req.push(r);
            }
        }
        self
    }
    pub(crate) fn f(mut self, k: &str, v: impl Into<J>) -> Case {
        assert!(
            !self.fields.iter().any(|(key, _)| key == k),
            "duplicate field {k}"
        );
        self.fields.push((k.to_owned(), v.into()));
        self
    }
    pub(crate) fn valid(mut self) -> Case {
        self.outcome = Some(Outcome::Valid);
        self
    }
    pub(crate) fn invalid(mut self, code: &'static str) -> Case {
        self.outcome = Some(Outcome::Invalid(code));
        self
    }
}

pub(crate) struct Group {
    pub(crate) source: (String, String),
    pub(crate) cases: Vec<Case>,
}

pub(crate) fn group(name: &str, version: &str, cases: Vec<Case>) -> Group {
    Group {
        source: (name.to_owned(), version.to_owned()),
        cases,
    }
}

pub(crate) fn ours(cases: Vec<Case>) -> Group {
    group(GEN_NAME, GEN_VERSION, cases)
}

/// A note explaining a flag (Wycheproof style).
pub(crate) struct Note {
    pub(crate) flag: &'static str,
    pub(crate) bug_type: &'static str,
    pub(crate) description: &'static str,
    pub(crate) effect: &'static str,
}

pub(crate) fn note(
    flag: &'static str,
    bug_type: &'static str,
    description: &'static str,
    effect: &'static str,
) -> Note {
    Note {
        flag,
        bug_type,
        description,
        effect,
    }
}

/// A conditional requirement in the schema: when `kind` (if given) has this
/// value and the result is (in)valid, these fields must be present.
pub(crate) struct Rule {
    pub(crate) kind: Option<&'static str>,
    pub(crate) when: When,
    pub(crate) required: Vec<&'static str>,
}

#[derive(Clone, Copy)]
pub(crate) enum When {
    Always,
    Valid,
}

pub(crate) fn rule(kind: Option<&'static str>, when: When, required: &[&'static str]) -> Rule {
    Rule {
        kind,
        when,
        required: required.to_vec(),
    }
}

pub(crate) struct VFile {
    pub(crate) stem: &'static str,
    pub(crate) ty: &'static str,
    pub(crate) title: &'static str,
    pub(crate) header: Vec<String>,
    pub(crate) notes: Vec<Note>,
    pub(crate) groups: Vec<Group>,
    /// Per-test fields besides the common ones, with their schemas.
    pub(crate) fields: Vec<(&'static str, J)>,
    pub(crate) rules: Vec<Rule>,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) total: usize,
    pub(crate) valid: usize,
    pub(crate) invalid: usize,
    pub(crate) acceptable: usize,
}

impl VFile {
    pub(crate) fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for g in &self.groups {
            for t in &g.cases {
                c.total += 1;
                match t.outcome.expect("outcome set") {
                    Outcome::Valid => c.valid += 1,
                    Outcome::Invalid(_) => c.invalid += 1,
                    Outcome::Acceptable => c.acceptable += 1,
                }
            }
        }
        c
    }

    pub(crate) fn reqs(&self) -> BTreeSet<&'static str> {
        self.groups
            .iter()
            .flat_map(|g| g.cases.iter())
            .flat_map(|c| c.req.iter().copied())
            .collect()
    }

    pub(crate) fn errors(&self) -> BTreeSet<&'static str> {
        self.groups
            .iter()
            .flat_map(|g| g.cases.iter())
            .filter_map(|c| match c.outcome {
                Some(Outcome::Invalid(e)) => Some(e),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn to_json(&self) -> J {
        let mut tc = 0i64;
        let mut groups = Vec::new();
        let note_flags: BTreeSet<&str> = self.notes.iter().map(|n| n.flag).collect();
        let field_names: BTreeSet<&str> = self.fields.iter().map(|(n, _)| *n).collect();
        for g in &self.groups {
            let mut tests = Vec::new();
            for c in &g.cases {
                tc += 1;
                assert!(!c.req.is_empty(), "{}#{tc}: no req", self.stem);
                for f in &c.flags {
                    assert!(
                        note_flags.contains(f),
                        "{}#{tc}: flag {f} has no note",
                        self.stem
                    );
                }
                let mut pairs: Vec<(String, J)> = vec![
                    ("tcId".into(), J::I(tc)),
                    ("comment".into(), J::from(c.comment.as_str())),
                    ("flags".into(), strs(&c.flags)),
                    ("req".into(), strs(&c.req)),
                ];
                for (k, v) in &c.fields {
                    assert!(
                        field_names.contains(k.as_str()),
                        "{}: undeclared field {k}",
                        self.stem
                    );
                    pairs.push((k.clone(), v.clone()));
                }
                match c.outcome.expect("outcome set") {
                    Outcome::Valid => pairs.push(("result".into(), "valid".into())),
                    Outcome::Acceptable => pairs.push(("result".into(), "acceptable".into())),
                    Outcome::Invalid(e) => {
                        pairs.push(("result".into(), "invalid".into()));
                        pairs.push(("error".into(), e.into()));
                    }
                }
                tests.push(J::O(pairs));
            }
            groups.push(obj(vec![
                (
                    "source",
                    obj(vec![
                        ("name", g.source.0.as_str().into()),
                        ("version", g.source.1.as_str().into()),
                    ]),
                ),
                ("tests", J::A(tests)),
            ]));
        }
        let notes = J::O(
            self.notes
                .iter()
                .map(|n| {
                    (
                        n.flag.to_owned(),
                        obj(vec![
                            ("bugType", n.bug_type.into()),
                            ("description", n.description.into()),
                            ("effect", n.effect.into()),
                        ]),
                    )
                })
                .collect(),
        );
        obj(vec![
            ("type", self.ty.into()),
            ("schema", format!("schema/{}.schema.json", self.stem).into()),
            ("specVersion", SPEC_VERSION.into()),
            ("numberOfTests", J::I(tc)),
            (
                "header",
                J::A(self.header.iter().map(|h| J::from(h.as_str())).collect()),
            ),
            ("notes", notes),
            ("testGroups", J::A(groups)),
        ])
    }

    pub(crate) fn schema(&self) -> J {
        // Areas with a digit (`BW-C2C-n`) came later; files without one keep
        // the original pattern, so their schemas stay byte-identical.
        let digit_area = self.reqs().iter().any(|r| {
            r.split('-')
                .nth(1)
                .is_some_and(|a| a.bytes().any(|b| b.is_ascii_digit()))
        });
        let req_pattern = if digit_area {
            "^BW-[A-Z][A-Z0-9]*-[0-9]+$"
        } else {
            "^BW-[A-Z]+-[0-9]+$"
        };
        let mut test_props = vec![
            (
                "tcId",
                obj(vec![("type", "integer".into()), ("minimum", J::I(1))]),
            ),
            ("comment", obj(vec![("type", "string".into())])),
            (
                "flags",
                obj(vec![
                    ("type", "array".into()),
                    ("uniqueItems", true.into()),
                    (
                        "items",
                        obj(vec![
                            ("type", "string".into()),
                            ("pattern", "^[A-Z][A-Za-z0-9]*$".into()),
                        ]),
                    ),
                ]),
            ),
            (
                "req",
                obj(vec![
                    ("type", "array".into()),
                    ("minItems", J::I(1)),
                    ("uniqueItems", true.into()),
                    (
                        "items",
                        obj(vec![
                            ("type", "string".into()),
                            ("pattern", req_pattern.into()),
                        ]),
                    ),
                ]),
            ),
        ];
        for (name, s) in &self.fields {
            test_props.push((name, s.clone()));
        }
        test_props.push((
            "result",
            obj(vec![("enum", strs(&["valid", "invalid", "acceptable"]))]),
        ));
        test_props.push((
            "error",
            obj(vec![
                ("type", "string".into()),
                ("pattern", "^[a-z0-9]+\\.[a-z0-9-]+$".into()),
            ]),
        ));
        let mut all_of = vec![obj(vec![
            (
                "if",
                obj(vec![
                    (
                        "properties",
                        obj(vec![("result", obj(vec![("const", "invalid".into())]))]),
                    ),
                    ("required", strs(&["result"])),
                ]),
            ),
            ("then", obj(vec![("required", strs(&["error"]))])),
            (
                "else",
                obj(vec![("not", obj(vec![("required", strs(&["error"]))]))]),
            ),
        ])];
        for r in &self.rules {
            let mut cond_props = Vec::new();
            let mut cond_req = Vec::new();
            if let Some(k) = r.kind {
                cond_props.push(("kind", obj(vec![("const", k.into())])));
                cond_req.push("kind");
            }
            if let When::Valid = r.when {
                cond_props.push((
                    "result",
                    obj(vec![("enum", strs(&["valid", "acceptable"]))]),
                ));
                cond_req.push("result");
            }
            let then = obj(vec![("required", strs(&r.required))]);
            if cond_req.is_empty() {
                all_of.push(then);
            } else {
                all_of.push(obj(vec![
                    (
                        "if",
                        obj(vec![
                            ("properties", obj(cond_props)),
                            ("required", strs(&cond_req)),
                        ]),
                    ),
                    ("then", then),
                ]));
            }
        }
        let test = obj(vec![
            ("type", "object".into()),
            ("additionalProperties", false.into()),
            (
                "required",
                strs(&["tcId", "comment", "flags", "req", "result"]),
            ),
            ("properties", obj(test_props)),
            ("allOf", J::A(all_of)),
        ]);
        let note = obj(vec![
            ("type", "object".into()),
            ("additionalProperties", false.into()),
            ("required", strs(&["bugType", "description", "effect"])),
            (
                "properties",
                obj(vec![
                    ("bugType", obj(vec![("type", "string".into())])),
                    ("description", obj(vec![("type", "string".into())])),
                    ("effect", obj(vec![("type", "string".into())])),
                ]),
            ),
        ]);
        let source = obj(vec![
            ("type", "object".into()),
            ("additionalProperties", false.into()),
            ("required", strs(&["name", "version"])),
            (
                "properties",
                obj(vec![
                    ("name", obj(vec![("type", "string".into())])),
                    ("version", obj(vec![("type", "string".into())])),
                ]),
            ),
        ]);
        let group = obj(vec![
            ("type", "object".into()),
            ("additionalProperties", false.into()),
            ("required", strs(&["source", "tests"])),
            (
                "properties",
                obj(vec![
                    ("source", obj(vec![("$ref", "#/$defs/source".into())])),
                    (
                        "tests",
                        obj(vec![
                            ("type", "array".into()),
                            ("minItems", J::I(1)),
                            ("items", obj(vec![("$ref", "#/$defs/test".into())])),
                        ]),
                    ),
                ]),
            ),
        ]);
        obj(vec![
            (
                "$schema",
                "https://json-schema.org/draft/2020-12/schema".into(),
            ),
            ("title", self.title.into()),
            ("type", "object".into()),
            ("additionalProperties", false.into()),
            (
                "required",
                strs(&[
                    "type",
                    "schema",
                    "specVersion",
                    "numberOfTests",
                    "header",
                    "notes",
                    "testGroups",
                ]),
            ),
            (
                "properties",
                obj(vec![
                    ("type", obj(vec![("const", self.ty.into())])),
                    (
                        "schema",
                        obj(vec![(
                            "const",
                            format!("schema/{}.schema.json", self.stem).into(),
                        )]),
                    ),
                    (
                        "specVersion",
                        obj(vec![
                            ("type", "string".into()),
                            ("pattern", "^[0-9]+\\.[0-9]+\\.[0-9]+$".into()),
                        ]),
                    ),
                    (
                        "numberOfTests",
                        obj(vec![("type", "integer".into()), ("minimum", J::I(1))]),
                    ),
                    (
                        "header",
                        obj(vec![
                            ("type", "array".into()),
                            ("items", obj(vec![("type", "string".into())])),
                        ]),
                    ),
                    (
                        "notes",
                        obj(vec![
                            ("type", "object".into()),
                            (
                                "propertyNames",
                                obj(vec![("pattern", "^[A-Z][A-Za-z0-9]*$".into())]),
                            ),
                            (
                                "additionalProperties",
                                obj(vec![("$ref", "#/$defs/note".into())]),
                            ),
                        ]),
                    ),
                    (
                        "testGroups",
                        obj(vec![
                            ("type", "array".into()),
                            ("minItems", J::I(1)),
                            ("items", obj(vec![("$ref", "#/$defs/testGroup".into())])),
                        ]),
                    ),
                ]),
            ),
            (
                "$defs",
                obj(vec![
                    ("note", note),
                    ("source", source),
                    ("testGroup", group),
                    ("test", test),
                ]),
            ),
        ])
    }
}

// Field schemas.
pub(crate) fn s_string() -> J {
    obj(vec![("type", "string".into())])
}
pub(crate) fn s_hex() -> J {
    obj(vec![
        ("type", "string".into()),
        ("pattern", "^([0-9a-f]{2})*$".into()),
    ])
}
pub(crate) fn s_hex_len(bytes: usize) -> J {
    obj(vec![
        ("type", "string".into()),
        ("pattern", format!("^[0-9a-f]{{{}}}$", 2 * bytes).into()),
    ])
}
pub(crate) fn s_pubkey() -> J {
    obj(vec![
        ("type", "string".into()),
        ("pattern", "^(0[23][0-9a-f]{64}|04[0-9a-f]{128})$".into()),
    ])
}
pub(crate) fn s_int(min: i64) -> J {
    obj(vec![("type", "integer".into()), ("minimum", J::I(min))])
}
pub(crate) fn s_bool() -> J {
    obj(vec![("type", "boolean".into())])
}
pub(crate) fn s_enum(items: &[&str]) -> J {
    obj(vec![("enum", strs(items))])
}
pub(crate) fn s_amount() -> J {
    obj(vec![
        ("type", "string".into()),
        ("pattern", "^(0|-?[1-9][0-9]{0,18})$".into()),
        (
            "description",
            "signed 64-bit integer count of the currency's smallest unit, as a decimal string"
                .into(),
        ),
    ])
}
pub(crate) fn s_network() -> J {
    s_enum(&["mainnet", "testnet"])
}
pub(crate) fn s_currency() -> J {
    s_enum(&["BTC", "EUR", "USD", "BRL", "GBP"])
}
