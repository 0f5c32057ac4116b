-- Why an attempt failed is kept as a code ('card_declined'), worded by each reader's page in
-- their language; it was kept as the English sentence. The sentences written so far become
-- their codes.
UPDATE payment_attempts SET failure_reason = CASE failure_reason
    WHEN 'The card was declined by its bank. Try another payment method.' THEN 'card_declined'
    WHEN 'There are not enough funds on this account. Try another payment method.' THEN 'insufficient_funds'
    WHEN 'The card has expired. Try another payment method.' THEN 'expired_card'
    WHEN 'The verification code is not correct.' THEN 'incorrect_code'
    WHEN 'The wallet provider refused this account.' THEN 'wallet_rejected'
    WHEN 'The payment was cancelled.' THEN 'cancelled'
    WHEN 'The verification step timed out.' THEN 'verification_expired'
    WHEN 'Too many wrong codes were entered, so this payment was stopped.' THEN 'too_many_wrong_codes'
    WHEN 'You stopped this payment to use another method.' THEN 'another_method'
    WHEN 'The payment arrived after the order had closed; the money is being sent back.' THEN 'order_closed'
    ELSE 'card_declined'
END
WHERE failure_reason IS NOT NULL;

ALTER TABLE payment_attempts ADD CONSTRAINT payment_attempts_failure_reason_is_a_code CHECK (failure_reason IN (
    'card_declined', 'insufficient_funds', 'expired_card', 'incorrect_code', 'wallet_rejected', 'cancelled',
    'verification_expired', 'too_many_wrong_codes', 'another_method', 'order_closed'));
