-- The same card is saved once per shopper (issue 14): binding it again is refused. Duplicates
-- saved before are removed first, keeping the default one, else the newest.
UPDATE payment_methods m SET removed_at = now(), is_default = false
WHERE m.removed_at IS NULL AND m.kind <> 'wallet' AND EXISTS (
    SELECT 1 FROM payment_methods o
    WHERE o.shopper_id = m.shopper_id AND o.id <> m.id AND o.removed_at IS NULL AND o.kind <> 'wallet'
      AND o.brand = m.brand AND o.last4 = m.last4 AND o.exp_month = m.exp_month AND o.exp_year = m.exp_year
      AND (o.is_default OR (NOT m.is_default AND o.id > m.id))
);
CREATE UNIQUE INDEX payment_methods_same_card ON payment_methods (shopper_id, brand, last4, exp_month, exp_year)
    WHERE removed_at IS NULL AND kind <> 'wallet';
