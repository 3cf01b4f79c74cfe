#!/bin/sh
# A protected CGI script: shows what the authorizer handed the application.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'REMOTE_USER=%s\n' "${REMOTE_USER:-}"
printf 'GATEHOUSE_USER_ID=%s\n' "${GATEHOUSE_USER_ID:-}"
printf 'GATEHOUSE_USERNAME=%s\n' "${GATEHOUSE_USERNAME:-}"
printf 'GATEHOUSE_EMAIL=%s\n' "${GATEHOUSE_EMAIL:-}"
printf 'GATEHOUSE_ROLES=%s\n' "${GATEHOUSE_ROLES:-}"
