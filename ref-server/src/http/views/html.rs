//! Human views: server-rendered HTML, no JavaScript, every reference a
//! link to its own page (bid ↔ transaction ↔ account ↔ movement ↔
//! deposit, article prices).
//!
//! The pages render the same 0.7-shaped JSON values the API serves (from
//! the market or from the store's history), so a page never disagrees with
//! its JSON.

use serde_json::Value;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a path segment for an `href`.
fn seg(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Where a field's value links to, by field name.
fn link_for(field: &str, value: &str) -> Option<String> {
    let prefix = match field {
        "BuyerBid" | "SellerBid" | "BidKey" => "/bid/",
        "Transaction" | "TxKey" => "/tx/",
        "Buyer" | "Seller" | "Participant" | "AvailableAccount" | "BlockedAccount" | "Account"
        | "Source" | "Target" => "/account/",
        "AvailablePredecessorKey" | "BlockedPredecessorKey" | "LastMovementKey" | "Key" => {
            "/ledger/"
        }
        "DepositKey" => "/deposit/",
        "Article" => return Some(format!("/query/prices?article={}", seg(value))),
        _ => return None,
    };
    Some(format!("{prefix}{}", seg(value)))
}

/// A value as table cell content.
fn cell(field: &str, value: &Value) -> String {
    let text = match value {
        Value::Null => return "<i>none</i>".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match link_for(field, &text) {
        Some(href) => format!("<a href=\"{}\">{}</a>", escape(&href), escape(&text)),
        None => format!("<code>{}</code>", escape(&text)),
    }
}

/// A table of an object's fields, in order.
pub fn fields(value: &Value) -> String {
    let mut out = String::from("<table>\n");
    if let Value::Object(map) = value {
        for (k, v) in map {
            out.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>\n",
                escape(k),
                cell(k, v)
            ));
        }
    }
    out.push_str("</table>\n");
    out
}

/// A table with one row per object, columns from the first.
pub fn rows(items: &[Value]) -> String {
    let Some(Value::Object(first)) = items.first() else {
        return "<p><i>none</i></p>\n".to_owned();
    };
    let columns: Vec<&String> = first.keys().collect();
    let mut out = String::from("<table>\n<tr>");
    for c in &columns {
        out.push_str(&format!("<th>{}</th>", escape(c)));
    }
    out.push_str("</tr>\n");
    for item in items {
        out.push_str("<tr>");
        for c in &columns {
            out.push_str(&format!(
                "<td>{}</td>",
                cell(c, item.get(c.as_str()).unwrap_or(&Value::Null))
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// A whole page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t} — BitWrk</title>\
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}}\
code{{word-break:break-all}}</style></head>\n<body>\n<p><a href=\"/\">BitWrk market</a></p>\n\
<h1>{t}</h1>\n{body}</body></html>\n",
        t = escape(title)
    )
}

/// A form posting `fields` (name, hint) to `action`.
pub fn form(action: &str, fields: &[(&str, &str)]) -> String {
    let mut out = format!(
        "<form method=\"post\" action=\"{}\" enctype=\"application/x-www-form-urlencoded\">\n<table>\n",
        escape(action)
    );
    for (name, hint) in fields {
        out.push_str(&format!(
            "<tr><th><label for=\"{n}\">{n}</label></th><td><input id=\"{n}\" name=\"{n}\" size=\"70\" placeholder=\"{h}\"></td></tr>\n",
            n = escape(name),
            h = escape(hint)
        ));
    }
    out.push_str("</table>\n<p><button type=\"submit\">Send</button></p>\n</form>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_links() {
        assert_eq!(
            escape("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
        let v = serde_json::json!({"Transaction": "7", "Document": "a=<b>&c", "Matched": null});
        let t = fields(&v);
        assert!(t.contains("<a href=\"/tx/7\">7</a>"), "{t}");
        assert!(t.contains("a=&lt;b&gt;&amp;c"), "{t}");
        assert!(t.contains("<i>none</i>"));
        let p = page("Bid <1>", &t);
        assert!(p.contains("Bid &lt;1&gt;"));
        assert!(!p.contains("<script"));
    }
}
