;; An escrow contract in WebAssembly text, against host API v1 (`docs/contracts.md`).
;; It pays its whole balance of a token to a beneficiary once a named document is registered
;; (by a named registrant) at or before a deadline height, and refunds the depositor after it.
;;
;; `init` input (105..=116 bytes): beneficiary (32) ‖ registrant (32) ‖ document digest (32) ‖
;;   deadline height (8, little-endian) ‖ token symbol (1..=12 bytes). The instantiating account
;;   is the depositor. Anyone then funds the contract account with ordinary transfers.
;; `release`: at or before the deadline, if the registrant's registration of the digest is live,
;;   pays the balance to the beneficiary and emits 0x01 ‖ amount (16 bytes, little-endian).
;; `refund`: after the deadline, pays the balance back to the depositor and emits 0x02 ‖ amount.
;; Abort codes: 1 document not registered, 2 too early / too late, 3 already settled,
;;   4 nothing to pay, 5 already initialised, 6 bad init input, 7 not initialised.
;; Both payouts are ordinary ledger transfers from the contract account: a frozen beneficiary, a
;; paused token or a missing KYC refuses them, and monitoring rules may hold them.
(module
  (import "vellum_v1" "input_len" (func $input_len (result i32)))
  (import "vellum_v1" "input_read" (func $input_read (param i32)))
  (import "vellum_v1" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "vellum_v1" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "vellum_v1" "caller" (func $caller (param i32)))
  (import "vellum_v1" "block_height" (func $block_height (result i64)))
  (import "vellum_v1" "emit" (func $emit (param i32 i32)))
  (import "vellum_v1" "abort" (func $abort (param i32)))
  (import "vellum_v1" "balance" (func $balance (param i32 i32 i32)))
  (import "vellum_v1" "transfer" (func $transfer (param i32 i32 i32 i32)))
  (import "vellum_v1" "proof_lookup" (func $proof_lookup (param i32 i32 i32) (result i64)))
  (memory (export "memory") 1 1)
  ;; 0..116: the configuration (beneficiary 0, registrant 32, digest 64, deadline 96, token 104);
  ;; 256..288: depositor; 299: event tag; 300..316: amount; 320..352: proof id;
  ;; 1024: key "cfg"; 1032: key "depositor"; 1048: key "done".
  (data (i32.const 1024) "cfg")
  (data (i32.const 1032) "depositor")
  (data (i32.const 1048) "done")

  (func (export "init")
    (local $n i32)
    (if (i32.ge_s (call $storage_read (i32.const 1024) (i32.const 3) (i32.const 0) (i32.const 0)) (i32.const 0))
      (then (call $abort (i32.const 5))))
    (local.set $n (call $input_len))
    (if (i32.or (i32.lt_u (local.get $n) (i32.const 105)) (i32.gt_u (local.get $n) (i32.const 116)))
      (then (call $abort (i32.const 6))))
    (call $input_read (i32.const 0))
    (call $storage_write (i32.const 1024) (i32.const 3) (i32.const 0) (local.get $n))
    (call $caller (i32.const 256))
    (call $storage_write (i32.const 1032) (i32.const 9) (i32.const 256) (i32.const 32)))

  ;; Loads the configuration to 0 and returns its length; aborts when settled.
  (func $load (result i32)
    (local $n i32)
    (local.set $n (call $storage_read (i32.const 1024) (i32.const 3) (i32.const 0) (i32.const 256)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (call $abort (i32.const 7))))
    (if (i32.ge_s (call $storage_read (i32.const 1048) (i32.const 4) (i32.const 0) (i32.const 0)) (i32.const 0))
      (then (call $abort (i32.const 3))))
    (local.get $n))

  ;; Pays the whole balance to the account id at `to`, marks the escrow settled, emits `tag`.
  (func $payout (param $n i32) (param $to i32) (param $tag i32)
    (call $balance (i32.const 104) (i32.sub (local.get $n) (i32.const 104)) (i32.const 300))
    (if (i64.eqz (i64.or (i64.load (i32.const 300)) (i64.load (i32.const 308))))
      (then (call $abort (i32.const 4))))
    (call $transfer (i32.const 104) (i32.sub (local.get $n) (i32.const 104)) (local.get $to) (i32.const 300))
    (call $storage_write (i32.const 1048) (i32.const 4) (i32.const 300) (i32.const 16))
    (i32.store8 (i32.const 299) (local.get $tag))
    (call $emit (i32.const 299) (i32.const 17)))

  (func (export "release")
    (local $n i32)
    (local.set $n (call $load))
    (if (i64.gt_u (call $block_height) (i64.load (i32.const 96)))
      (then (call $abort (i32.const 2))))
    (if (i64.lt_s (call $proof_lookup (i32.const 32) (i32.const 64) (i32.const 320)) (i64.const 0))
      (then (call $abort (i32.const 1))))
    (call $payout (local.get $n) (i32.const 0) (i32.const 1)))

  (func (export "refund")
    (local $n i32)
    (local.set $n (call $load))
    (if (i64.le_u (call $block_height) (i64.load (i32.const 96)))
      (then (call $abort (i32.const 2))))
    (drop (call $storage_read (i32.const 1032) (i32.const 9) (i32.const 256) (i32.const 32)))
    (call $payout (local.get $n) (i32.const 256) (i32.const 2))))
