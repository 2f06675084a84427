FROM node:20-slim
ONBUILD COPY --chown=node package.json /app/
ONBUILD RUN ["npm", "ci"]
ONBUILD RUN npm run build
