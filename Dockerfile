# One image for every service; the command picks the service (see docker-compose.yml).
# Our own machines have no Docker engine: this file is kept right by hand.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 g++ make && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# nodejieba builds from source (see .npmrc); dev dependencies include tsx, which runs the services.
RUN npm ci && npm run build -w @huiying/console --if-present

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production
USER node
CMD ["npm", "run", "start:api"]
