# One image for the API and the worker (the command picks the process).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "src/main/api.ts"]
