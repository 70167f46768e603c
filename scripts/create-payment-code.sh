#!/usr/bin/env bash
# Creates a payment code on a Tunai gateway using nothing but curl and openssl, signing the request the
# way the Alfa O2O API does (non-SNAP HMAC-SHA256, see docs in the spec's wire notes, section 1).
#
#   scripts/create-payment-code.sh [gateway base URL, default http://127.0.0.1:5080]
#
# Credentials come from TUNAI_CLIENT_ID and TUNAI_SECRET_KEY, or else from data/sandbox.env, the file a
# sandbox gateway writes on its first start (run this from the gateway's working directory).
# Prints the response body on stdout and "HTTP <status>" on stderr; exits non-zero unless the status is 2xx.
set -euo pipefail

base_url="${1:-http://127.0.0.1:5080}"
if [[ -z "${TUNAI_CLIENT_ID:-}" || -z "${TUNAI_SECRET_KEY:-}" ]]; then
    if [[ ! -f data/sandbox.env ]]; then
        echo "Set TUNAI_CLIENT_ID and TUNAI_SECRET_KEY, or run from the folder holding data/sandbox.env" >&2
        exit 2
    fi
    # shellcheck source=/dev/null
    source data/sandbox.env
fi

path=/alfa-online-to-offline/v2/payment-code
request_id=$(cat /proc/sys/kernel/random/uuid)
timestamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
invoice="INV-$(date -u +%Y%m%d%H%M%S)-${request_id:0:8}"
body='{"order":{"invoice_number":"'"$invoice"'","amount":150000},"online_to_offline_info":{"expired_time":60,"reusable_status":false,"info":"Demo Store"},"customer":{"name":"Anton Budiman","email":"anton@example.com"}}'

# The digest covers the exact bytes sent, so the same $body goes to openssl and to curl.
digest=$(printf '%s' "$body" | openssl dgst -sha256 -binary | base64)
# Lines joined by \n, no trailing newline ($(...) drops it).
string_to_sign=$(printf '%s\n' \
    "Client-Id:$TUNAI_CLIENT_ID" \
    "Request-Id:$request_id" \
    "Request-Timestamp:$timestamp" \
    "Request-Target:$path" \
    "Digest:$digest")
signature=$(printf '%s' "$string_to_sign" | openssl dgst -sha256 -hmac "$TUNAI_SECRET_KEY" -binary | base64)

curl -sS --fail-with-body -X POST "$base_url$path" \
    -H "Content-Type: application/json" \
    -H "Client-Id: $TUNAI_CLIENT_ID" \
    -H "Request-Id: $request_id" \
    -H "Request-Timestamp: $timestamp" \
    -H "Signature: HMACSHA256=$signature" \
    --data-binary "$body" \
    -w '\n%{stderr}HTTP %{http_code}\n'
