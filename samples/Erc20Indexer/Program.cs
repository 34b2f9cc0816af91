using Erc20Indexer;
using Overseer.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddOverseer(o => o.AddHandler<Erc20Transfers>("erc20"));
var app = builder.Build();
app.MapOverseer();
await app.RunAsync();
