# The gateway as a container: built in the SDK image, run in the ASP.NET Core runtime image as its non-root
# user, listening on 8080, with the SQLite database (when used) in the /data volume.
#   docker build -t tunai-gateway .
#   docker run -p 8080:8080 -v tunai-data:/data -e Tunai__AdminToken=... -e Tunai__PublicBaseUrl=https://pay.example.com tunai-gateway
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Tunai.Gateway -c Release -o /app \
 && dotnet publish src/Tunai.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# `tunai` (operators add, backup, store simulator) beside the gateway, with the container's settings:
#   docker exec -it <container> tunai operators add --email ops@example.com --role Admin
RUN ln -s /app/tunai /usr/local/bin/tunai && mkdir /data && chown app:app /data
VOLUME /data
ENV ASPNETCORE_URLS=http://+:8080 \
    Tunai__Mode=Production \
    Tunai__Storage__SqlitePath=/data/tunai.db \
    Tunai__PrintSandboxCredentials=false \
    Logging__Console__FormatterName=json \
    Logging__Console__FormatterOptions__IncludeScopes=true
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "Tunai.Gateway.dll"]
