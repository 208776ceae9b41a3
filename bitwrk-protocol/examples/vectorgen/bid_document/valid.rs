//! Admitted bid forms: the worked example, currencies and units, escaping,
//! fee rounding and ratios, zero and large prices.

use super::check::valid;
use super::{BLENDER, bc, buyer};
use crate::market::participant;
use crate::{Case, Key, Net};

pub(super) fn cases() -> Vec<Case> {
    let seller = participant("seller");
    let uncompressed = Key::new(buyer().secret, false, Net::Main);
    vec![
        valid(
            bc(
                "spec 10.4 worked example: BUY, price text signed as submitted",
                "BUY",
                BLENDER,
                "mBTC 1.50",
            )
            .flags(&["SpecExample", "SubmittedPriceText"]),
        ),
        valid(
            bc(
                "SELL of the same article blocks nothing",
                "SELL",
                BLENDER,
                "mBTC 1.50",
            )
            .key(seller),
        ),
        valid(
            bc(
                "BitWrk 0.7 price text mBTC 1.00 is signed as mBTC1.00",
                "BUY",
                "fnord",
                "mBTC 1.00",
            )
            .flags(&["SubmittedPriceText", "BitWrk07"]),
        ),
        valid(bc("price without the space", "BUY", "fnord", "mBTC1.5")),
        valid(
            bc(
                "same amount as mBTC 1.5, different document",
                "BUY",
                "fnord",
                "mBTC 1.500",
            )
            .flags(&["SubmittedPriceText"]),
        ),
        valid(bc("whole bitcoin", "BUY", "snafu", "BTC 1")),
        valid(
            bc(
                "one satoshi: fee rounds up to 1",
                "BUY",
                "foobar",
                "BTC 0.00000001",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(
            bc(
                "33 satoshi: 0.99 rounds up to 1",
                "BUY",
                "fnord",
                "satoshi 33",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(
            bc(
                "34 satoshi: 1.02 rounds up to 2",
                "BUY",
                "fnord",
                "satoshi 34",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(bc("100 satoshi: exactly 3", "BUY", "fnord", "satoshi 100").flags(&["FeeRounding"])),
        valid(
            bc(
                "101 satoshi: 3.03 rounds up to 4",
                "BUY",
                "fnord",
                "satoshi 101",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(bc("price zero is allowed, fee zero", "BUY", "fnord", "BTC 0").flags(&["ZeroPrice"])),
        valid(
            bc(
                "negative zero is zero, signed as written",
                "BUY",
                "fnord",
                "BTC -0",
            )
            .flags(&["ZeroPrice", "SubmittedPriceText"]),
        ),
        valid(bc("microbitcoin", "SELL", "fnord", "uBTC 45").key(seller)),
        valid(
            bc(
                "largest BTC price the grammar allows",
                "BUY",
                "fnord",
                "BTC 999999999.99999999",
            )
            .flags(&["LargePrice"]),
        ),
        valid(bc("euro", "BUY", "fnord", "EUR 1.5").flags(&["Currency"])),
        valid(
            bc(
                "euro sign is escaped in the document",
                "BUY",
                "fnord",
                "€ 1",
            )
            .flags(&["Currency", "Escaping"]),
        ),
        valid(bc("dollar sign", "BUY", "fnord", "$ 2").flags(&["Currency", "Escaping"])),
        valid(
            bc("real sign R$ (spec 7.5)", "BUY", "fnord", "R$ 0.5")
                .flags(&["Currency", "Escaping"]),
        ),
        valid(
            bc("pound sign", "SELL", "fnord", "£ 10")
                .key(seller)
                .flags(&["Currency", "Escaping"]),
        ),
        valid(
            bc(
                "smallest dollar amount, fee rounds up to 1",
                "BUY",
                "fnord",
                "USD 0.000000001",
            )
            .flags(&["Currency", "FeeRounding"]),
        ),
        valid(
            bc("GBP", "BUY", "fnord", "GBP 99999999.999999999").flags(&["Currency", "LargePrice"]),
        ),
        valid(
            bc(
                "address trimmed of spaces; the document has the trimmed address",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .addr(&format!("  {}  ", buyer().address()))
            .flags(&["AddressTrim"])
            .req(&["BW-BID-3"]),
        ),
        valid(
            bc(
                "address trimmed of tab and newline",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .addr(&format!("\t{}\n", buyer().address()))
            .flags(&["AddressTrim"])
            .req(&["BW-BID-3"]),
        ),
        valid(
            bc(
                "uncompressed key, its own address",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .key(uncompressed),
        ),
        valid(bc("gorays article", "BUY", "net.bitwrk/gorays/0", "mBTC 2").req(&["BW-ART-3"])),
        valid(
            bc(
                "oldest Blender version and smallest memory",
                "BUY",
                "net.bitwrk/blender/0/2.69/512M",
                "mBTC 2",
            )
            .req(&["BW-ART-3"]),
        ),
        valid(
            bc(
                "newest Blender version and largest memory",
                "SELL",
                "net.bitwrk/blender/0/2.82/32G",
                "mBTC 2",
            )
            .key(seller)
            .req(&["BW-ART-3"]),
        ),
        valid(
            bc(
                "Blender 2.70 with 8G",
                "BUY",
                "net.bitwrk/blender/0/2.70/8G",
                "mBTC 2",
            )
            .req(&["BW-ART-3"]),
        ),
        valid(
            bc(
                "BUY of a trusted article is not restricted",
                "BUY",
                "net.bitwrk/blender/0/2.79/2G~trusted",
                "mBTC 2",
            )
            .flags(&["Trusted"])
            .req(&["BW-ART-2", "BW-BID-11"]),
        ),
        valid(
            bc(
                "SELL of a trusted article by a trusted seller",
                "SELL",
                "fnord~trusted",
                "mBTC 2",
            )
            .key(seller)
            .trusted()
            .flags(&["Trusted"])
            .req(&["BW-ART-2", "BW-BID-11"]),
        ),
        valid(
            bc(
                "SELL of a plain article needs no trust",
                "SELL",
                "fnord",
                "mBTC 2",
            )
            .key(seller)
            .req(&["BW-BID-11"]),
        ),
        valid(
            bc("fee ratio 1/3", "BUY", "fnord", "satoshi 10")
                .fee(1, 3)
                .flags(&["FeeRatio", "FeeRounding"]),
        ),
        valid(
            bc("fee ratio 0/1: no fee", "BUY", "fnord", "mBTC 5")
                .fee(0, 1)
                .flags(&["FeeRatio"]),
        ),
        valid(
            bc("fee ratio 1/1: fee equals price", "BUY", "fnord", "mBTC 5")
                .fee(1, 1)
                .flags(&["FeeRatio"]),
        ),
        valid(
            bc(
                "fee ratio 99/1: one below the price limit",
                "BUY",
                "fnord",
                "BTC 922337203.68547757",
            )
            .fee(99, 1)
            .flags(&["FeeRatio", "LargePrice"])
            .req(&["BW-BID-6"]),
        ),
    ]
}
