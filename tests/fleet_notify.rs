//! A nightly hot sync that tells someone (issue 28, item 9): on a real fleet, one pair's origin
//! is down, the run fails for it, and `--notify` gets the run's notice on stdin naming the
//! failed and the stale pair; a run where every pair synced and none is stale tells nothing.

mod common;

use common::{Bmfleet, Fleet, scratch};

#[test]
fn a_hot_sync_with_a_lost_origin_tells_the_notify_command() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (bad, good) = (claim.pair(0), claim.pair(1));
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { db_sync: dump }", |_| String::new());
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run().code(0);
    fleet.set(&bad.origin, "sshd", "down");
    let notice = dir.path().join("notice.json");
    let notify = format!("cat > '{}'", notice.display());
    let out = Bmfleet::new()
        .args(["hot-sync", "--stale-after", "1h", "--notify", &notify])
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    fleet.set(&bad.origin, "sshd", "up");
    out.code(4);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&notice).unwrap()).unwrap();
    assert_eq!(v["reasons"], serde_json::json!(["failed", "stale"]), "{v}");
    assert_eq!(v["exit_code"], 4);
    let stale: Vec<&str> =
        v["stale"].as_array().unwrap().iter().map(|s| s["pair"].as_str().unwrap()).collect();
    assert_eq!(stale, [bad.name.as_str()], "the pair that synced is fresh: {v}");
    let status = |name: &str| {
        v["summary"]["pairs"].as_array().unwrap().iter().find(|p| p["pair"] == name).unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&bad.name), "unreachable");
    assert_eq!(status(&good.name), "ok");

    // The good pair again, alone: it succeeds and is fresh, so nothing is told.
    std::fs::remove_file(&notice).unwrap();
    let out = Bmfleet::new()
        .args(["hot-sync", "--stale-after", "1h", "--notify", &notify])
        .limit(&good.name)
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    out.code(0);
    assert!(!notice.exists(), "a good night tells nothing");
}
