using Overseer.Drill.Host;
using Overseer.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddOverseer(o => o.AddHandler<DrillRows>(DrillRows.Name));
var app = builder.Build();
app.MapOverseer();
await app.RunAsync();
