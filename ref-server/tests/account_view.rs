//! The account page (HTML) lists the account's movements a page at a time:
//! `?before=<movement id>` shows those older than the id, with "older" and
//! "newer" links that walk every movement exactly once.

mod support;

use bitwrk_protocol::address::Network;
use bitwrk_protocol::key::PrivateKey;
use support::Server;

/// Movements on one page of the account view (the server's constant).
const PAGE: usize = 100;

fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[byte; 32], true, Network::Mainnet).unwrap()
}

fn address(k: &PrivateKey) -> String {
    k.public_key().address(Network::Mainnet).to_string()
}

/// A deposit of uBTC 1 to `account`, signed by the trusted account.
fn deposit(server: &Server, trusted: &PrivateKey, account: &str, uid: &str) {
    support::deposit(server, trusted, account, "uBTC 1", uid);
}

/// The page: the movement ids it lists, and its "newer" and "older" links.
struct Page {
    ids: Vec<u64>,
    newer: Option<String>,
    older: Option<String>,
}

fn link(html: &str, rel: &str, text: &str) -> Option<String> {
    let tail = format!("\" rel=\"{rel}\">{text}</a>");
    let end = html.find(&tail)?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(html[start..end].replace("&amp;", "&"))
}

fn page(server: &Server, path: &str) -> Page {
    let r = server.get(path, &[("Accept", "text/html")]);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    let html = r.text();
    // The movements table: the column `Key` of each row.
    let table = &html[html.find("<h2>").unwrap()..];
    let mut lines = table.lines().filter(|l| l.starts_with("<tr>"));
    let ids = match lines.next() {
        None => Vec::new(),
        Some(header) => {
            let column = header
                .split("<th>")
                .position(|c| c.starts_with("Key</th>"))
                .expect("a Key column");
            lines
                .map(|row| {
                    let cell = row.split("<td>").nth(column).unwrap();
                    let text = &cell[cell.find("\">").unwrap() + 2..cell.find("</a>").unwrap()];
                    text.parse().unwrap()
                })
                .collect()
        }
    };
    Page {
        ids,
        newer: link(&html, "prev", "newer"),
        older: link(&html, "next", "older"),
    }
}

#[test]
fn movements_page_by_page() {
    let trusted = key(1);
    let server = Server::start(&["--trusted-account", &address(&trusted)]);
    let (a, b) = (address(&key(2)), address(&key(3)));
    // 2.3 pages for `a`, with movements of `b` in between (ids of one
    // account are not consecutive).
    let total = 2 * PAGE + 30;
    for i in 0..total {
        deposit(&server, &trusted, &a, &format!("deposit-a-{i}"));
        if i % 7 == 0 {
            deposit(&server, &trusted, &b, &format!("deposit-b-{i}"));
        }
    }
    let base = format!("/account/{a}");
    let first = page(&server, &base);
    assert_eq!(first.ids.len(), PAGE);
    assert!(first.newer.is_none(), "the first page has no newer page");
    let second = page(&server, first.older.as_deref().expect("an older page"));
    assert_eq!(second.ids.len(), PAGE);
    assert_eq!(second.newer.as_deref(), Some(base.as_str()));
    let third = page(&server, second.older.as_deref().expect("a third page"));
    assert_eq!(third.ids.len(), total - 2 * PAGE);
    assert!(third.older.is_none(), "nothing older than the last page");
    // "newer" from the third page is the second page again.
    let back = page(&server, third.newer.as_deref().expect("a newer page"));
    assert_eq!(back.ids, second.ids);
    // Every movement of `a` exactly once, newest first.
    let all: Vec<u64> = [first.ids, second.ids, third.ids].concat();
    assert_eq!(all.len(), total);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "{all:?}");
    // The id is a movement id; anything else is refused.
    let r = server.get(&format!("{base}?before=x7"), &[("Accept", "text/html")]);
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), Some("http.bad-parameter"));
    // Before the oldest movement: an empty page whose "newer" page holds
    // the page of movements just newer (the oldest ones).
    let oldest = *all.last().unwrap();
    let empty = page(&server, &format!("{base}?before={oldest}"));
    assert!(empty.ids.is_empty() && empty.older.is_none());
    let newer = page(&server, empty.newer.as_deref().expect("a newer page"));
    assert_eq!(newer.ids, all[all.len() - PAGE..]);
    assert!(newer.older.is_none());
}
