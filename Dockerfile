# One image for every process of docker-compose.yml (API, worker, migrations, WeCom simulator):
# the compiled JavaScript with production dependencies only, run as the unprivileged `node` user.
# The command picks the process: node dist/main/{api,worker,migrate,wecom-simulator}.js.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# package.json's allowScripts denies every install script; npm 10 (this image's) does not read it, so skip them all.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The local file store (uploaded avatars); mount a volume here to keep it.
RUN mkdir -p /app/.data/files && chown -R node:node /app/.data
USER node
EXPOSE 8080
CMD ["node", "dist/main/api.js"]
