# One image for both Node apps of Breakwater (payment-api and downstream-sim); docker-compose.yml
# picks the app with `command`. They run from TypeScript source with tsx, exactly as the fleet
# launcher runs them (scripts/fleet.ts), so what the launcher tests is what the image runs.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    TSX_TSCONFIG_PATH=/app/tsconfig.json

# tsx and typescript are devDependencies: install everything, from the lock file.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

COPY tsconfig.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps

# The audit-export volume is mounted here; a named volume takes this owner on first use.
RUN mkdir -p /audit && chown node:node /audit
USER node
EXPOSE 3000 4000
# SIGTERM reaches node directly (exec form), which closes the app and exits.
CMD ["node", "--import", "tsx", "apps/payment-api/src/main.ts"]
