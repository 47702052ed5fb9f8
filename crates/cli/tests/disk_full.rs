//! A validator whose disk fills up stops — it does not limp on, voting without applying blocks
//! — while the others carry on; with space freed it restarts at a block boundary and catches up
//! to the same chain. The data directory of validator 3 is moved to a small tmpfs that a filler
//! file then fills (the test needs to mount one: as root, or it says SKIPPED). The storage-level
//! half — a commit failing on ENOSPC leaves the database at the previous block — is
//! `vellum-storage`'s `a_disk_that_fills_up_fails_the_commit…` with a fault-injecting backend.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Unmounts the tmpfs and stops the restarted validator whatever happens.
struct Mounted {
    at: PathBuf,
    node: Option<Child>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(c) = &mut self.node {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("umount").arg(&self.at).status();
    }
}

fn start_v3(devnet: &Path) -> Child {
    let log = std::fs::File::create(devnet.join("v3-restarted.log")).unwrap();
    Command::new(BIN).args(["node", "--insecure-plain-keys", "--config"]).arg(devnet.join("v3/node.toml")).stdout(Stdio::null()).stderr(log).spawn().unwrap()
}

fn header_hash(api: &str, height: u64) -> Option<String> {
    block(api, height).and_then(|b| b["block_hash"].as_str().or(b["hash"].as_str()).map(String::from))
}

#[test]
fn a_validator_whose_disk_fills_stops_and_recovers_once_space_is_freed() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small-disk");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"]).arg(&mnt).stderr(Stdio::null()).status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root); the storage-level test still covers ENOSPC");
        return;
    }
    let mut guard = Mounted { at: mnt.clone(), node: None };
    let devnet = tmp.path().join("devnet");
    let (_devnet, apis) = devnet_up(&devnet);
    wait_height(&apis[3], 3, 60, "devnet start");
    // Validator 3 moves its data onto the small disk and restarts there.
    kill_validator(&devnet, 3);
    std::thread::sleep(Duration::from_millis(300));
    let data = devnet.join("v3/data");
    let copied = Command::new("cp").arg("-a").arg(&data).arg(mnt.join("data")).status().unwrap();
    assert!(copied.success());
    std::fs::remove_dir_all(&data).unwrap();
    std::os::unix::fs::symlink(mnt.join("data"), &data).unwrap();
    let mut v3 = start_v3(&devnet);
    let h = status(&apis[1]).unwrap()["height"].as_u64().unwrap();
    wait_height(&apis[3], h + 2, 60, "validator 3 on the small disk");

    // The disk fills up: validator 3 exits (with an error), the others go on.
    let filler = mnt.join("filler");
    let _ = Command::new("dd").arg("if=/dev/zero").arg(format!("of={}", filler.display())).args(["bs=1M", "count=100"]).stderr(Stdio::null()).status();
    let deadline = Instant::now() + Duration::from_secs(60);
    let exit = loop {
        if let Some(s) = v3.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "validator 3 kept running on a full disk");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!exit.success(), "a validator that cannot write must fail, not exit cleanly: {exit}");
    let stopped_at = status(&apis[1]).unwrap()["height"].as_u64().unwrap();
    wait_height(&apis[1], stopped_at + 5, 60, "three validators after the fourth's disk filled");

    // Space freed, restarted: validator 3 reopens at a block boundary and catches up.
    std::fs::remove_file(&filler).unwrap();
    guard.node = Some(start_v3(&devnet));
    let target = status(&apis[1]).unwrap()["height"].as_u64().unwrap();
    wait_height(&apis[3], target, 90, "validator 3 after the disk was freed");
    for height in [stopped_at, target] {
        assert_eq!(header_hash(&apis[3], height), header_hash(&apis[1], height), "the same chain at height {height}");
        assert!(header_hash(&apis[1], height).is_some());
    }
}
